package dev.trident.gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the requests tests send through the gateway. Every header a caller must send is added here, in one place:
 * the API key of a team made for these tests through the gateway's admin API (test application.properties sets
 * the admin key), one per gateway port, without limits so that load and replica tests are not throttled.
 */
final class GatewayClient {

    /** The admin key of the test gateways (src/test/resources/application.properties). */
    static final String TEST_ADMIN_KEY = "trident-test-admin-key";
    private static final Pattern SECRET = Pattern.compile("\"key\"\\s*:\\s*\"(trd_[A-Za-z0-9_-]+)\"");
    private static final Map<Integer, String> keys = new ConcurrentHashMap<>();

    private GatewayClient() {
    }

    /** Headers every request through the gateway on {@code port} carries. */
    static Map<String, String> requiredHeaders(int port) {
        return Map.of("Authorization", "Bearer " + keyFor(port));
    }

    static HttpRequest.Builder request(int port, String path) {
        return request(URI.create("http://127.0.0.1:" + port + path));
    }

    static HttpRequest.Builder request(URI url) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(url);
        requiredHeaders(url.getPort()).forEach(builder::header);
        return builder;
    }

    /** The same headers as raw HTTP/1.1 header lines, for tests that speak to the gateway over a plain socket. */
    static String requiredHeaderLines(int port) {
        StringBuilder lines = new StringBuilder();
        requiredHeaders(port).forEach((name, value) -> lines.append(name).append(": ").append(value).append("\r\n"));
        return lines.toString();
    }

    private static String keyFor(int port) {
        return keys.computeIfAbsent(port, GatewayClient::createKey);
    }

    private static String createKey(int port) {
        String team = "gateway-client-" + UUID.randomUUID().toString().substring(0, 8);
        try {
            HttpClient http = HttpClient.newHttpClient();
            admin(http, port, "/admin/teams", "{\"name\":\"" + team + "\"}");
            String created = admin(http, port, "/admin/keys",
                    "{\"team\":\"" + team + "\",\"name\":\"tests\",\"requests_per_second\":0,\"tokens_per_minute\":0}");
            Matcher secret = SECRET.matcher(created);
            if (!secret.find()) {
                throw new IllegalStateException("no key in the admin API's answer: " + created);
            }
            return secret.group(1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach the gateway's admin API on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String admin(HttpClient http, int port, String path, String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + TEST_ADMIN_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException("admin API " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }
}
