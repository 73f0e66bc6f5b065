package dev.trident.gateway.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The services behind the gateway, by name ({@code encoder}, {@code decoder}, {@code seq2seq}). The routes in
 * application.yml name them as {@code lb://<service>}; the routing package turns that into one of its replicas.
 */
@ConfigurationProperties("trident")
public record TridentServices(Map<String, Service> services) {

    public TridentServices {
        services = services == null ? Map.of() : new LinkedHashMap<>(services);
    }

    /** How the replicas of a service are found. */
    public enum Discovery {
        /** {@code replicas} when given, else the one {@code url}. */
        STATIC,
        /** Every address that the host of {@code url} resolves to (re-resolved periodically), on its port. */
        DNS
    }

    /**
     * @param url       the service's base URL: its only replica, or (with {@code dns}) the name to resolve
     * @param replicas  base URLs of its replicas; when given they replace {@code url}
     * @param discovery {@code static} or {@code dns}
     */
    public record Service(URI url, @DefaultValue List<URI> replicas, @DefaultValue("static") Discovery discovery) {

        public Service {
            replicas = replicas == null ? List.of() : List.copyOf(replicas);
        }

        /** The replicas as configured (for {@code dns}, the name still to resolve). */
        public List<URI> staticReplicas() {
            if (!replicas.isEmpty() && discovery == Discovery.STATIC) {
                return replicas;
            }
            return url == null ? List.of() : List.of(url);
        }
    }
}
