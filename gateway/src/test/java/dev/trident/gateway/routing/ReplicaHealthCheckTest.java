package dev.trident.gateway.routing;

import com.sun.net.httpserver.HttpServer;
import dev.trident.gateway.config.RoutingSettings;
import dev.trident.gateway.config.TridentServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/** The periodic health polls take a failing replica out and put it back once it answers UP again. */
class ReplicaHealthCheckTest {

    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private final HttpServer server = start();
    private ReplicaRegistry registry;

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.stop();
        }
        server.stop(0);
    }

    @Test
    void aFailingReplicaIsTakenOutAndPutBackByThePolls() {
        URI live = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        URI refusing = URI.create("http://127.0.0.1:1");
        TridentServices services = new TridentServices(Map.of("decoder",
                new TridentServices.Service(live, List.of(live, refusing), TridentServices.Discovery.STATIC)));
        registry = new ReplicaRegistry(services, new RoutingSettings("/actuator/health", Duration.ofMillis(100),
                Duration.ofSeconds(1), Duration.ofSeconds(10), 160, "X-Session-Id", "session_id"));
        ReplicaSet set = registry.get("decoder");
        Replica replica = set.replicas().get(0);
        Replica unreachable = set.replicas().get(1);
        assertThat(replica.health()).isEqualTo(Replica.Health.UNKNOWN);

        registry.start();
        awaitTrue(() -> replica.health() == Replica.Health.UP && unreachable.health() == Replica.Health.DOWN);
        assertThat(unreachable.lastError()).isNotBlank();

        healthy.set(false);
        awaitTrue(() -> replica.health() == Replica.Health.DOWN);
        assertThat(replica.lastError()).contains("503");
        assertThat(set.candidates(null)).allSatisfy(candidate -> assertThat(candidate.usable()).isFalse());

        healthy.set(true);
        awaitTrue(() -> replica.health() == Replica.Health.UP);
        assertThat(set.candidates("any-session").getFirst()).isSameAs(replica);
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private HttpServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            http.createContext("/actuator/health", exchange -> {
                boolean up = healthy.get();
                byte[] body = ("{\"status\":\"" + (up ? "UP" : "DOWN") + "\"}").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(up ? 200 : 503, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            http.start();
            return http;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
