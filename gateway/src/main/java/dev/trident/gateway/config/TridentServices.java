package dev.trident.gateway.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The services behind the gateway, by name ({@code encoder}, {@code decoder}, {@code seq2seq}), each with its
 * base URL. The routes in application.yml take their URIs from the same keys.
 */
@ConfigurationProperties("trident")
public record TridentServices(Map<String, Service> services) {

    public TridentServices {
        services = services == null ? Map.of() : new LinkedHashMap<>(services);
    }

    public record Service(URI url) {
    }
}
