/* test-http-digest.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-http-digest.h"

/* Pull one parameter out of an Authorization value we built (values are
 * quoted without escapes in these tests). */
static char *
param (const char *header,
       const char *name)
{
  g_autofree char *needle = g_strdup_printf ("%s=\"", name);
  const char *p = strstr (header, needle);
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen (needle);
  end = strchr (p, '"');
  g_assert_nonnull (end);
  return g_strndup (p, end - p);
}

/* RFC 7616 §3.9.1, the MD5 example (values as printed in the RFC). */
static void
test_rfc7616_vector (void)
{
  g_autofree char *response = ob_http_digest_compute_response ("Mufasa", "http-auth@example.org",
                                                               "Circle of Life", "GET", "/dir/index.html",
                                                               "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                                                               "00000001",
                                                               "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
                                                               "auth");

  g_assert_cmpstr (response, ==, "8ca523f5e9506fed4657c9700eebdbec");
}

/* RFC 2617 §3.5, the classic example. */
static void
test_rfc2617_vector (void)
{
  g_autofree char *response = ob_http_digest_compute_response ("Mufasa", "testrealm@host.com",
                                                               "Circle Of Life", "GET", "/dir/index.html",
                                                               "dcd98b7102dd2f0e8b11d0f600bfb0c093",
                                                               "00000001", "0a4f113b", "auth");

  g_assert_cmpstr (response, ==, "6629fae49393a05397450978507c4ef1");
}

static void
test_parse_rfc_challenge (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpDigestChallenge) challenge =
    ob_http_digest_challenge_parse ("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
                                    "algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                                    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", &error);
  g_autofree char *auth1 = NULL;
  g_autofree char *auth2 = NULL;
  g_autofree char *cnonce = NULL;
  g_autofree char *response = NULL;
  g_autofree char *expected = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_http_digest_challenge_get_realm (challenge), ==, "http-auth@example.org");
  g_assert_cmpstr (ob_http_digest_challenge_get_nonce (challenge), ==, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v");
  g_assert_cmpstr (ob_http_digest_challenge_get_opaque (challenge), ==, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  g_assert_cmpstr (ob_http_digest_challenge_get_qop (challenge), ==, "auth");
  g_assert_false (ob_http_digest_challenge_get_stale (challenge));
  g_assert_cmpuint (ob_http_digest_challenge_get_nc (challenge), ==, 0);

  auth1 = ob_http_digest_challenge_authorize (challenge, "Mufasa", "Circle of Life", "GET", "/dir/index.html");
  g_assert_cmpuint (ob_http_digest_challenge_get_nc (challenge), ==, 1);
  g_assert_true (g_str_has_prefix (auth1, "Digest username=\"Mufasa\",realm=\"http-auth@example.org\","
                                          "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
                                          "uri=\"/dir/index.html\",qop=\"auth\",response=\""));
  g_assert_nonnull (strstr (auth1, ",nc=\"00000001\",cnonce=\""));
  g_assert_true (g_str_has_suffix (auth1, ",opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\",algorithm=MD5"));

  /* The response is the RFC computation over the cnonce we picked. */
  cnonce = param (auth1, "cnonce");
  response = param (auth1, "response");
  g_assert_cmpuint (strlen (cnonce), ==, 32);
  expected = ob_http_digest_compute_response ("Mufasa", "http-auth@example.org", "Circle of Life", "GET",
                                              "/dir/index.html", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
                                              "00000001", cnonce, "auth");
  g_assert_cmpstr (response, ==, expected);

  /* Next request: next nc, new cnonce. */
  auth2 = ob_http_digest_challenge_authorize (challenge, "Mufasa", "Circle of Life", "GET", "/dir/index.html");
  g_assert_nonnull (strstr (auth2, ",nc=\"00000002\","));
  {
    g_autofree char *cnonce2 = param (auth2, "cnonce");

    g_assert_cmpstr (cnonce, !=, cnonce2);
  }
}

static void
test_parse_amt_challenge (void)
{
  const char *amt = "Digest realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\", "
                    "nonce=\"mUlzmx0AAAAAAAAAu0Ivg8EDaaeU+XZT\",stale=\"false\",qop=\"auth\"";
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpDigestChallenge) challenge = ob_http_digest_challenge_parse (amt, &error);
  g_autoptr(ObHttpDigestChallenge) stale = NULL;
  g_autofree char *auth = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (ob_http_digest_challenge_get_realm (challenge), ==, "Digest:A3829B3827DE4D33D4449B366831FD01");
  g_assert_cmpstr (ob_http_digest_challenge_get_nonce (challenge), ==, "mUlzmx0AAAAAAAAAu0Ivg8EDaaeU+XZT");
  g_assert_null (ob_http_digest_challenge_get_opaque (challenge));
  g_assert_false (ob_http_digest_challenge_get_stale (challenge));

  /* AMT's form: no opaque, no algorithm, the realm with its colon. */
  auth = ob_http_digest_challenge_authorize (challenge, "admin", "P@ssw0rd", "POST", "/wsman");
  g_assert_true (g_str_has_prefix (auth, "Digest username=\"admin\",realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\","
                                         "nonce=\"mUlzmx0AAAAAAAAAu0Ivg8EDaaeU+XZT\",uri=\"/wsman\",qop=\"auth\","));
  g_assert_null (strstr (auth, "opaque"));
  g_assert_null (strstr (auth, "algorithm"));
  {
    g_autofree char *cnonce = param (auth, "cnonce");
    g_autofree char *response = param (auth, "response");
    g_autofree char *expected = ob_http_digest_compute_response ("admin", "Digest:A3829B3827DE4D33D4449B366831FD01",
                                                                 "P@ssw0rd", "POST", "/wsman",
                                                                 "mUlzmx0AAAAAAAAAu0Ivg8EDaaeU+XZT",
                                                                 "00000001", cnonce, "auth");

    g_assert_cmpstr (response, ==, expected);
  }

  stale = ob_http_digest_challenge_parse ("Digest realm=\"Digest:A3829B3827DE4D33D4449B366831FD01\", "
                                          "nonce=\"n2\",stale=\"TRUE\",qop=\"auth\"", &error);
  g_assert_no_error (error);
  g_assert_true (ob_http_digest_challenge_get_stale (stale));
  g_clear_pointer (&stale, ob_http_digest_challenge_unref);

  stale = ob_http_digest_challenge_parse ("digest REALM=r,NONCE=n3,STALE=true", &error);
  g_assert_no_error (error);
  g_assert_true (ob_http_digest_challenge_get_stale (stale));
  g_assert_cmpstr (ob_http_digest_challenge_get_nonce (stale), ==, "n3");
  g_assert_null (ob_http_digest_challenge_get_qop (stale));
}

static void
test_parse_multiple (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpDigestChallenge) c = NULL;
  g_autoptr(ObHttpMessage) response = ob_http_message_new_response (401, NULL);

  c = ob_http_digest_challenge_parse ("Basic realm=\"basic\", Negotiate abc/def==, "
                                      "Digest realm=\"digest\", nonce=\"n\", qop=\"auth\"", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_http_digest_challenge_get_realm (c), ==, "digest");
  g_clear_pointer (&c, ob_http_digest_challenge_unref);

  /* The first usable Digest wins: SHA-256 is skipped. */
  c = ob_http_digest_challenge_parse ("Digest realm=\"a\", nonce=\"1\", algorithm=SHA-256, qop=\"auth\", "
                                      "Digest realm=\"b\", nonce=\"2\", algorithm=MD5, qop=\"auth\"", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_http_digest_challenge_get_realm (c), ==, "b");
  g_clear_pointer (&c, ob_http_digest_challenge_unref);

  /* Across several WWW-Authenticate headers of a response. */
  ob_http_message_append_header (response, "WWW-Authenticate", "Digest realm=\"x\", nonce=\"1\", algorithm=SHA-256");
  ob_http_message_append_header (response, "WWW-Authenticate", "Basic realm=\"x\"");
  g_assert_null (ob_http_digest_challenge_from_response (response, &error));
  g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  ob_http_message_append_header (response, "WWW-Authenticate", "Digest realm=\"y\", nonce=\"2\", qop=\"auth\"");
  c = ob_http_digest_challenge_from_response (response, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ob_http_digest_challenge_get_realm (c), ==, "y");
  g_clear_pointer (&c, ob_http_digest_challenge_unref);

  {
    g_autoptr(ObHttpMessage) none = ob_http_message_new_response (401, NULL);

    g_assert_null (ob_http_digest_challenge_from_response (none, &error));
    g_assert_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH);
    g_clear_error (&error);
  }
}

static void
test_parse_hostile (void)
{
  static const struct
  {
    const char *header;
    ObHttpError code;
  } cases[] = {
    { "", OB_HTTP_ERROR_AUTH },
    { "Basic realm=\"x\"", OB_HTTP_ERROR_AUTH },
    { "Digest", OB_HTTP_ERROR_AUTH },
    { "Digest realm=\"x\"", OB_HTTP_ERROR_AUTH },
    { "Digest nonce=\"x\"", OB_HTTP_ERROR_AUTH },
    { "Digest realm=\"x\", nonce=\"\"", OB_HTTP_ERROR_AUTH },
    { "Digest realm=\"x, nonce=\"y\"", OB_HTTP_ERROR_AUTH },
    { "Digest realm=\"x\", realm=\"y\", nonce=\"n\"", OB_HTTP_ERROR_AUTH },
    { "Digest realm=\"x\" nonce=\"n\"", OB_HTTP_ERROR_AUTH },
    { "Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"", OB_HTTP_ERROR_UNSUPPORTED },
    { "Digest realm=\"x\", nonce=\"n\", algorithm=MD5-sess", OB_HTTP_ERROR_UNSUPPORTED },
    { "Digest realm=\"x\", nonce=\"n\", userhash=true", OB_HTTP_ERROR_UNSUPPORTED },
    { "Digest realm=\"x\\", OB_HTTP_ERROR_AUTH },
    { "=\"x\"", OB_HTTP_ERROR_AUTH },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ObHttpDigestChallenge) c = ob_http_digest_challenge_parse (cases[i].header, &error);

      if (c != NULL)
        g_error ("case %u “%s” parsed", i, cases[i].header);
      g_assert_error (error, OB_HTTP_ERROR, (gint) cases[i].code);
    }

  {
    /* Escapes in quoted strings are undone, and redone when sent. */
    g_autoptr(GError) error = NULL;
    g_autoptr(ObHttpDigestChallenge) c =
      ob_http_digest_challenge_parse ("Digest realm=\"a\\\"b\\\\c\", nonce=\"n\", qop=\"auth\"", &error);
    g_autofree char *auth = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (ob_http_digest_challenge_get_realm (c), ==, "a\"b\\c");
    auth = ob_http_digest_challenge_authorize (c, "u\"ser", "p", "POST", "/wsman");
    g_assert_true (g_str_has_prefix (auth, "Digest username=\"u\\\"ser\",realm=\"a\\\"b\\\\c\","));
  }
}

/* RFC 2069 compatibility: no qop, so no nc/cnonce. */
static void
test_no_qop (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObHttpDigestChallenge) c = ob_http_digest_challenge_parse ("Digest realm=\"r\", nonce=\"n\"", &error);
  g_autofree char *auth = NULL;
  g_autofree char *response = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GChecksum) ha1 = g_checksum_new (G_CHECKSUM_MD5);
  g_autoptr(GChecksum) ha2 = g_checksum_new (G_CHECKSUM_MD5);
  g_autofree char *joined = NULL;

  g_assert_no_error (error);
  auth = ob_http_digest_challenge_authorize (c, "u", "p", "POST", "/wsman");
  g_assert_null (strstr (auth, "qop"));
  g_assert_null (strstr (auth, "nc="));
  g_assert_null (strstr (auth, "cnonce"));

  /* MD5(MD5(u:r:p):n:MD5(POST:/wsman)), computed here by hand. */
  g_checksum_update (ha1, (const guchar *) "u:r:p", -1);
  g_checksum_update (ha2, (const guchar *) "POST:/wsman", -1);
  joined = g_strdup_printf ("%s:n:%s", g_checksum_get_string (ha1), g_checksum_get_string (ha2));
  expected = g_compute_checksum_for_string (G_CHECKSUM_MD5, joined, -1);
  response = param (auth, "response");
  g_assert_cmpstr (response, ==, expected);
}

/* ---- server side ---------------------------------------------------- */

static ObHttpDigestChallenge *
challenge_from_server (ObHttpDigestServer *server,
                       gboolean            stale)
{
  g_autofree char *header = ob_http_digest_server_make_challenge (server, stale);
  g_autoptr(GError) error = NULL;
  ObHttpDigestChallenge *c = ob_http_digest_challenge_parse (header, &error);

  g_assert_no_error (error);
  g_assert_cmpint (ob_http_digest_challenge_get_stale (c), ==, stale);
  return c;
}

static void
test_server_realm (void)
{
  g_autoptr(ObHttpDigestServer) a = ob_http_digest_server_new (NULL);
  g_autoptr(ObHttpDigestServer) b = ob_http_digest_server_new (NULL);
  g_autoptr(ObHttpDigestServer) c = ob_http_digest_server_new ("my realm");
  g_autofree char *header = ob_http_digest_server_make_challenge (a, FALSE);

  g_assert_true (g_regex_match_simple ("^Digest:[0-9A-F]{32}$", ob_http_digest_server_get_realm (a), 0, 0));
  g_assert_cmpstr (ob_http_digest_server_get_realm (a), !=, ob_http_digest_server_get_realm (b));
  g_assert_cmpstr (ob_http_digest_server_get_realm (c), ==, "my realm");
  g_assert_true (g_regex_match_simple ("^Digest realm=\"Digest:[0-9A-F]{32}\", nonce=\"[0-9a-f]{32}\","
                                       "stale=\"false\",qop=\"auth\"$", header, 0, 0));
}

static void
test_server_verify (void)
{
  g_autoptr(ObHttpDigestServer) server = ob_http_digest_server_new (NULL);
  g_autoptr(ObHttpDigestChallenge) c = challenge_from_server (server, FALSE);
  g_autofree char *good = ob_http_digest_challenge_authorize (c, "admin", "P@ssw0rd", "POST", "/wsman");
  g_autofree char *wrong_pw = ob_http_digest_challenge_authorize (c, "admin", "wrong", "POST", "/wsman");
  g_autofree char *wrong_user = ob_http_digest_challenge_authorize (c, "root", "P@ssw0rd", "POST", "/wsman");
  g_autofree char *other_uri = ob_http_digest_challenge_authorize (c, "admin", "P@ssw0rd", "POST", "/other");
  g_autofree char *next = ob_http_digest_challenge_authorize (c, "admin", "P@ssw0rd", "POST", "/wsman");

  g_assert_cmpint (ob_http_digest_server_verify (server, good, "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_OK);
  /* The same header again is a replay. */
  g_assert_cmpint (ob_http_digest_server_verify (server, good, "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (ob_http_digest_server_verify (server, wrong_pw, "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (ob_http_digest_server_verify (server, wrong_user, "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_FAILED);
  /* A digest for another URI, or presented with another method. */
  g_assert_cmpint (ob_http_digest_server_verify (server, other_uri, "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (ob_http_digest_server_verify (server, next, "GET", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_FAILED);
  /* Failed attempts do not burn the nc: the genuine request still passes. */
  g_assert_cmpint (ob_http_digest_server_verify (server, next, "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_OK);

  g_assert_cmpint (ob_http_digest_server_verify (server, NULL, "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_MISSING);
  g_assert_cmpint (ob_http_digest_server_verify (server, "Basic YWRtaW46cGFzcw==", "POST", "/wsman", "admin",
                                                 "P@ssw0rd"), ==, OB_HTTP_DIGEST_MISSING);
  g_assert_cmpint (ob_http_digest_server_verify (server, "", "POST", "/wsman", "admin", "P@ssw0rd"), ==,
                   OB_HTTP_DIGEST_MISSING);
}

static void
test_server_hostile (void)
{
  g_autoptr(ObHttpDigestServer) server = ob_http_digest_server_new ("r");
  g_autoptr(ObHttpDigestChallenge) c = challenge_from_server (server, FALSE);
  const char *nonce = ob_http_digest_challenge_get_nonce (c);
  g_autofree char *cnonce_resp = ob_http_digest_compute_response ("admin", "r", "pw", "POST", "/wsman", nonce,
                                                                  "00000001", "abc", "auth");
  g_autofree char *upper = g_ascii_strup (cnonce_resp, -1);
  g_autofree char *base = g_strdup_printf ("Digest username=\"admin\", realm=\"r\", nonce=\"%s\", uri=\"/wsman\", "
                                           "cnonce=\"abc\"", nonce);
  /* Each is missing or has a wrong piece; none may pass. */
  char *cases[] = {
    g_strdup_printf ("%s, qop=auth, nc=00000001", base),                                  /* no response */
    g_strdup_printf ("%s, response=\"%s\", nc=00000001", base, cnonce_resp),                /* no qop */
    g_strdup_printf ("%s, response=\"%s\", qop=auth", base, cnonce_resp),                   /* no nc */
    g_strdup_printf ("%s, response=\"%s\", qop=auth-int, nc=00000001", base, cnonce_resp),  /* qop */
    g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=1", base, cnonce_resp),             /* nc form */
    g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=0000000g", base, cnonce_resp),      /* nc hex */
    g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=00000000", base, cnonce_resp),      /* nc zero */
    g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=00000001, algorithm=SHA-256", base, cnonce_resp),
    g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=00000001, nc=00000002", base, cnonce_resp),
    g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=00000001, Digest x=y", base, cnonce_resp),
    g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=00000001 junk", base, cnonce_resp),
    g_strdup_printf ("%s, response=\"%.31s\", qop=auth, nc=00000001", base, cnonce_resp),  /* short */
    g_strdup_printf ("%s, response=\"%s0\", qop=auth, nc=00000001", base, cnonce_resp),    /* long */
    g_strdup_printf ("%s, response=\"\", qop=auth, nc=00000001", base),
    g_strdup_printf ("%s, response=\"%s", base, cnonce_resp),                              /* unterminated */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (ob_http_digest_server_verify (server, cases[i], "POST", "/wsman", "admin", "pw") != OB_HTTP_DIGEST_FAILED)
      g_error ("hostile case %u passed: %s", i, cases[i]);

  /* Upper-case hex in the response is the same number. */
  {
    g_autofree char *ok = g_strdup_printf ("%s, response=\"%s\", qop=auth, nc=00000001", base, upper);

    g_assert_cmpint (ob_http_digest_server_verify (server, ok, "POST", "/wsman", "admin", "pw"), ==,
                     OB_HTTP_DIGEST_OK);
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_free (cases[i]);
}

static void
test_server_nc_window (void)
{
  g_autoptr(ObHttpDigestServer) server = ob_http_digest_server_new (NULL);
  g_autoptr(ObHttpDigestChallenge) c = challenge_from_server (server, FALSE);
  GPtrArray *auths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < 100; i++)
    g_ptr_array_add (auths, ob_http_digest_challenge_authorize (c, "admin", "pw", "POST", "/wsman"));

#define VERIFY(i) ob_http_digest_server_verify (server, g_ptr_array_index (auths, (i)), "POST", "/wsman", "admin", "pw")

  /* nc 3, 1, 2: parallel requests overtaking each other are fine, once. */
  g_assert_cmpint (VERIFY (2), ==, OB_HTTP_DIGEST_OK);
  g_assert_cmpint (VERIFY (0), ==, OB_HTTP_DIGEST_OK);
  g_assert_cmpint (VERIFY (1), ==, OB_HTTP_DIGEST_OK);
  g_assert_cmpint (VERIFY (0), ==, OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (VERIFY (1), ==, OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (VERIFY (2), ==, OB_HTTP_DIGEST_FAILED);

  /* Jump to nc 90: nc 4 is now too far behind, nc 30 is in the window. */
  g_assert_cmpint (VERIFY (89), ==, OB_HTTP_DIGEST_OK);
  g_assert_cmpint (VERIFY (3), ==, OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (VERIFY (29), ==, OB_HTTP_DIGEST_OK);
  g_assert_cmpint (VERIFY (29), ==, OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (VERIFY (89), ==, OB_HTTP_DIGEST_FAILED);
  g_assert_cmpint (VERIFY (99), ==, OB_HTTP_DIGEST_OK);

#undef VERIFY
  g_ptr_array_unref (auths);
}

static void
test_server_stale (void)
{
  g_autoptr(ObHttpDigestServer) server = ob_http_digest_server_new (NULL);
  g_autoptr(ObHttpDigestChallenge) c = NULL;
  g_autoptr(ObHttpDigestChallenge) fresh = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *wrong = NULL;
  g_autofree char *retry = NULL;

  ob_http_digest_server_set_nonce_lifetime (server, 50);
  c = challenge_from_server (server, FALSE);
  auth = ob_http_digest_challenge_authorize (c, "admin", "pw", "POST", "/wsman");
  wrong = ob_http_digest_challenge_authorize (c, "admin", "bad", "POST", "/wsman");
  g_usleep (120 * 1000);

  /* Expired nonce: stale if the credentials are right, failed otherwise. */
  g_assert_cmpint (ob_http_digest_server_verify (server, auth, "POST", "/wsman", "admin", "pw"), ==,
                   OB_HTTP_DIGEST_STALE);
  g_assert_cmpint (ob_http_digest_server_verify (server, wrong, "POST", "/wsman", "admin", "pw"), ==,
                   OB_HTTP_DIGEST_FAILED);

  /* The client retries on a stale=true challenge and gets in. */
  ob_http_digest_server_set_nonce_lifetime (server, 60 * 1000);
  fresh = challenge_from_server (server, TRUE);
  g_assert_cmpstr (ob_http_digest_challenge_get_nonce (fresh), !=, ob_http_digest_challenge_get_nonce (c));
  retry = ob_http_digest_challenge_authorize (fresh, "admin", "pw", "POST", "/wsman");
  g_assert_cmpint (ob_http_digest_server_verify (server, retry, "POST", "/wsman", "admin", "pw"), ==,
                   OB_HTTP_DIGEST_OK);

  /* A nonce the server never issued (e.g. from before a restart). */
  {
    g_autoptr(ObHttpDigestServer) other = ob_http_digest_server_new (ob_http_digest_server_get_realm (server));
    g_autoptr(ObHttpDigestChallenge) foreign = challenge_from_server (other, FALSE);
    g_autofree char *a = ob_http_digest_challenge_authorize (foreign, "admin", "pw", "POST", "/wsman");

    g_assert_cmpint (ob_http_digest_server_verify (server, a, "POST", "/wsman", "admin", "pw"), ==,
                     OB_HTTP_DIGEST_STALE);
  }
}

static void
test_server_nonce_table_bounded (void)
{
  g_autoptr(ObHttpDigestServer) server = ob_http_digest_server_new (NULL);
  g_autoptr(ObHttpDigestChallenge) first = challenge_from_server (server, FALSE);
  g_autofree char *auth = ob_http_digest_challenge_authorize (first, "admin", "pw", "POST", "/wsman");

  /* A flood of challenges evicts the oldest nonce instead of growing. */
  for (guint i = 0; i < 5000; i++)
    g_free (ob_http_digest_server_make_challenge (server, FALSE));

  g_assert_cmpint (ob_http_digest_server_verify (server, auth, "POST", "/wsman", "admin", "pw"), ==,
                   OB_HTTP_DIGEST_STALE);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/http-digest/rfc7616-md5-vector", test_rfc7616_vector);
  g_test_add_func ("/http-digest/rfc2617-vector", test_rfc2617_vector);
  g_test_add_func ("/http-digest/parse-rfc-challenge", test_parse_rfc_challenge);
  g_test_add_func ("/http-digest/parse-amt-challenge", test_parse_amt_challenge);
  g_test_add_func ("/http-digest/parse-multiple", test_parse_multiple);
  g_test_add_func ("/http-digest/parse-hostile", test_parse_hostile);
  g_test_add_func ("/http-digest/no-qop", test_no_qop);
  g_test_add_func ("/http-digest/server-realm", test_server_realm);
  g_test_add_func ("/http-digest/server-verify", test_server_verify);
  g_test_add_func ("/http-digest/server-hostile", test_server_hostile);
  g_test_add_func ("/http-digest/server-nc-window", test_server_nc_window);
  g_test_add_func ("/http-digest/server-stale", test_server_stale);
  g_test_add_func ("/http-digest/server-nonce-table-bounded", test_server_nonce_table_bounded);

  return g_test_run ();
}
