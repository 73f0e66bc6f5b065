package dev.trident.encoder.config;

import dev.trident.encoder.batch.BatchJobRepository;
import dev.trident.encoder.batch.BatchTaskRunner;
import dev.trident.encoder.batch.BatchWorker;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import tools.jackson.databind.ObjectMapper;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

@Configuration
@EnableConfigurationProperties({BatchSettings.class, EncoderSettings.class})
public class BatchConfiguration {

    /** The replica's workers; without a model to run on (no {@link BatchTaskRunner}) this replica takes no batch work. */
    @Bean
    BatchWorker batchWorker(BatchJobRepository jobs, ObjectProvider<BatchTaskRunner> runner, BatchSettings settings,
                            ObjectMapper json, Environment environment) {
        return new BatchWorker(jobs, runner.getIfAvailable(), settings, workerId(settings, environment), json);
    }

    private static String workerId(BatchSettings settings, Environment environment) {
        if (settings.workerId() != null && !settings.workerId().isBlank()) {
            return settings.workerId();
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        String port = environment.getProperty("server.port", "8081");
        // Port 0 (tests) is not a stable identity: such a replica gets a fresh one each start.
        return host + ":" + ("0".equals(port) ? UUID.randomUUID() : port);
    }
}
