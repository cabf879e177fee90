/* replicer-hooks HTTP: libcurl's result for one transfer in our outcome
 * classes (rh_outcome), from its code and what the request learnt of the
 * answer (rh_http_outcome.h). */
#include "rh_http_outcome.h"

#include <replicer-hooks/rh.h>

#include <string.h>

/* libcurl's result in our classes. A success needs the whole answer: a
 * status line, the blank line that ends its headers, and the body as framed
 * (libcurl reports a short body as CURLE_PARTIAL_FILE). */
int rh__http_classify(int curl_code, void *easy, const request_state *rq)
{
    CURLcode rc = (CURLcode)curl_code;
    long sent = 0;
    switch (rc) {
    case CURLE_OK:
        /* libcurl 7.88 takes a status line followed by the connection's
         * close as a complete answer with no body */
        return rq->headers_done ? RH_OUTCOME_OK : RH_OUTCOME_RESET;
    case CURLE_OPERATION_TIMEDOUT:
        return RH_OUTCOME_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
        return RH_OUTCOME_CONNECT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return RH_OUTCOME_DNS;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
        return RH_OUTCOME_TLS;
    case CURLE_UNSUPPORTED_PROTOCOL:
        /* the same code for a scheme our policy refused before connecting
         * and for an answer with an unknown HTTP version or a status out of
         * range: the request went out only in the second case */
        curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &sent);
        return sent > 0 ? RH_OUTCOME_BAD_RESPONSE : RH_OUTCOME_BLOCKED;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
        return RH_OUTCOME_BAD_RESPONSE;
    case CURLE_OUT_OF_MEMORY:
        /* libcurl 7.88 reports a header line past its 100 KiB limit this
         * way; a status line had arrived, the blank line had not */
        return rq->header_bytes && !rq->headers_done ? RH_OUTCOME_TOO_LARGE
                                                     : RH_OUTCOME_OTHER;
#if LIBCURL_VERSION_NUM >= 0x080600
    case CURLE_TOO_LARGE:
        return RH_OUTCOME_TOO_LARGE;
#endif
    case CURLE_WRITE_ERROR:
        if (rq->answered_early)
            return RH_OUTCOME_OK; /* ended by on_header */
        return rq->too_large ? RH_OUTCOME_TOO_LARGE : RH_OUTCOME_OTHER;
    case CURLE_RECV_ERROR:
        /* bad chunked framing comes as a receive error; only its text
         * tells it from a reset (if that text changes, it is a reset: a
         * failure retried all the same) */
        if (strstr(rq->errbuf, "chunked-encoding"))
            return RH_OUTCOME_BAD_RESPONSE;
        return RH_OUTCOME_RESET;
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP2:
    case CURLE_SEND_ERROR:
        /* The receiver answered while the body was still going out, then
         * ended the stream (h2: a reset with NO_ERROR, as nginx does when it
         * answers before reading) or the connection (HTTP/1.1): libcurl
         * 7.88 reports an error, yet the whole answer arrived, and a 2xx
         * then means the receiver has the delivery. A retry would send it
         * twice. The status decides, in collect_one. */
        return rq->headers_done ? RH_OUTCOME_OK : RH_OUTCOME_RESET;
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        return RH_OUTCOME_RESET;
    default:
        if (rq->header_flood)
            return RH_OUTCOME_TOO_LARGE;
        return RH_OUTCOME_OTHER;
    }
}
