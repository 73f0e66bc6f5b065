package dev.trident.gateway.logging;

import dev.trident.gateway.config.RequestLogSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RequestLogWriterTest {

    @Test
    void rowsBeyondTheBufferAreCountedAsDroppedNeverSilentlyLost() {
        PGSimpleDataSource unreachable = new PGSimpleDataSource();
        unreachable.setURL("jdbc:postgresql://127.0.0.1:1/none");
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RequestLogWriter writer = new RequestLogWriter(new JdbcTemplate(unreachable),
                new RequestLogSettings(3, 10, Duration.ofMillis(50), Duration.ofMillis(100), List.of()), meters);

        for (int i = 0; i < 5; i++) {
            writer.submit(entry("r" + i));
        }

        assertThat(writer.pending()).isEqualTo(3);
        assertThat(meters.get("trident.request_log.dropped").counter().count()).isEqualTo(2.0);
        assertThat(meters.get("trident.request_log.buffered").gauge().value()).isEqualTo(3.0);
    }

    private static RequestLogEntry entry(String requestId) {
        return new RequestLogEntry(Instant.now(), requestId, "GET", "/x", null, null, null, null, 200, 1.0, 0, 0,
                "127.0.0.1", null, null);
    }
}
