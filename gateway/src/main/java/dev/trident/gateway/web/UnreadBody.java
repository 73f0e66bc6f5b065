package dev.trident.gateway.web;

import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;

/**
 * For answers given before the request body was read (401, 429, 413 by Content-Length): the connection is closed
 * after the answer, so that a body the server never read cannot be taken for the next request on a kept-alive
 * connection, and the client does not reuse a connection in that state.
 */
public final class UnreadBody {

    private UnreadBody() {
    }

    public static void closeConnectionAfterAnswer(ServerWebExchange exchange) {
        HttpHeaders request = exchange.getRequest().getHeaders();
        if (request.getContentLength() > 0 || request.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
            exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
        }
    }
}
