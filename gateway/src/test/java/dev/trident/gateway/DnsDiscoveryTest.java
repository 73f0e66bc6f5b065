package dev.trident.gateway;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code discovery: dns}: the replicas of a service are the addresses its URL's host resolves to, on its port.
 * Here the host is {@code localhost}, whose IPv4 address is where the stand-in replica listens.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DnsDiscoveryTest {

    private static final StubReplica replica = start();

    @DynamicPropertySource
    static void decoderByName(DynamicPropertyRegistry registry) {
        registry.add("trident.services.decoder.url", () -> "http://localhost:" + replica.url().getPort());
        registry.add("trident.services.decoder.discovery", () -> "dns");
    }

    @AfterAll
    static void stop() {
        replica.close();
    }

    @LocalServerPort
    int port;

    @Autowired
    ObjectMapper json;

    @Test
    void theNamesAddressesAreTheReplicas() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> chat = http.send(GatewayClient.request(port, "/v1/chat/completions")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(json.readTree(chat.body()).path("replica").asString()).isEqualTo("dns");

        HttpResponse<String> listing = http.send(GatewayClient.request(port, "/v1/services").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> urls = new ArrayList<>();
        for (JsonNode app : json.readTree(listing.body()).path("services")) {
            if (app.path("name").asString().equals("decoder")) {
                app.path("urls").forEach(url -> urls.add(url.asString()));
            }
        }
        assertThat(urls).contains(replica.url().toString()).noneMatch(url -> url.contains("localhost"));
    }

    private static StubReplica start() {
        try {
            return new StubReplica("dns");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
