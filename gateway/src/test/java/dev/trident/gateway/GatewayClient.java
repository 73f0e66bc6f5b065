package dev.trident.gateway;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * Builds the requests tests send through the gateway. Every header a caller must send (the team's API key, once
 * the gateway asks for one) is added here, in one place.
 */
final class GatewayClient {

    private GatewayClient() {
    }

    /** Headers every request through the gateway carries. */
    static Map<String, String> requiredHeaders() {
        return Map.of();
    }

    static HttpRequest.Builder request(int port, String path) {
        return request(URI.create("http://127.0.0.1:" + port + path));
    }

    static HttpRequest.Builder request(URI url) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url);
        requiredHeaders().forEach(builder::header);
        return builder;
    }

    /** The same headers as raw HTTP/1.1 header lines, for tests that speak to the gateway over a plain socket. */
    static String requiredHeaderLines() {
        StringBuilder lines = new StringBuilder();
        requiredHeaders().forEach((name, value) -> lines.append(name).append(": ").append(value).append("\r\n"));
        return lines.toString();
    }
}
