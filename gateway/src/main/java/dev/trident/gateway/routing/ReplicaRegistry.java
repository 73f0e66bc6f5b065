package dev.trident.gateway.routing;

import dev.trident.gateway.config.RoutingSettings;
import dev.trident.gateway.config.TridentServices;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.JsonNode;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The replica sets of all services, kept current: every replica's health endpoint is polled (a failed poll takes
 * the replica out, a good one puts it back) and the names of {@code dns} services are looked up again periodically.
 */
@Component
public class ReplicaRegistry implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReplicaRegistry.class);

    private final Map<String, ReplicaSet> sets = new LinkedHashMap<>();
    private final Map<String, TridentServices.Service> configured;
    private final RoutingSettings settings;
    private final WebClient client = WebClient.create();
    private volatile Disposable.Composite running;

    public ReplicaRegistry(TridentServices services, RoutingSettings settings) {
        this.settings = settings;
        this.configured = services.services();
        configured.forEach((name, service) -> {
            List<URI> urls = service.discovery() == TridentServices.Discovery.DNS ? resolve(service.url()) : service.staticReplicas();
            sets.put(name, new ReplicaSet(name, urls, settings.virtualNodes()));
        });
    }

    /** The replica set of {@code service}, or null when no such service is configured. */
    public ReplicaSet get(String service) {
        return sets.get(service);
    }

    public Map<String, ReplicaSet> all() {
        return sets;
    }

    /** Polls every replica of {@code set} now; completes when all have answered or timed out. */
    public Mono<Void> checkNow(ReplicaSet set) {
        return Flux.fromIterable(set.replicas()).flatMap(this::check).then();
    }

    Mono<Void> check(Replica replica) {
        return client.get().uri(replica.url().resolve(settings.healthPath())).retrieve()
                .bodyToMono(JsonNode.class)
                .timeout(settings.healthTimeout())
                .doOnNext(body -> {
                    String status = body.path("status").asString("UNKNOWN");
                    if ("UP".equals(status)) {
                        if (replica.health() != Replica.Health.UP) {
                            log.info("replica {} is up", replica.url());
                        }
                        replica.markUp();
                    } else {
                        down(replica, "health status " + status);
                    }
                })
                .onErrorResume(failure -> {
                    down(replica, failure.getClass().getSimpleName() + ": " + failure.getMessage());
                    return Mono.empty();
                })
                .then();
    }

    /** A replica found down outside the polls (a refused connection); the next good poll puts it back. */
    void down(Replica replica, String reason) {
        if (replica.health() != Replica.Health.DOWN) {
            log.warn("replica {} is down: {}", replica.url(), reason);
        }
        replica.markDown(reason);
    }

    @Override
    public void start() {
        Disposable.Composite tasks = Disposables.composite();
        tasks.add(Flux.interval(Duration.ZERO, settings.healthInterval())
                .onBackpressureDrop()
                .concatMap(tick -> Flux.fromIterable(sets.values()).flatMap(this::checkNow).then(), 1)
                .subscribe());
        configured.forEach((name, service) -> {
            if (service.discovery() == TridentServices.Discovery.DNS) {
                tasks.add(Flux.interval(settings.dnsRefresh(), settings.dnsRefresh())
                        .onBackpressureDrop()
                        .concatMap(tick -> Mono.fromCallable(() -> resolve(service.url())).subscribeOn(Schedulers.boundedElastic()), 1)
                        .subscribe(urls -> {
                            if (!urls.isEmpty() && sets.get(name).update(urls)) {
                                log.info("{} replicas now {}", name, urls);
                            }
                        }));
            }
        });
        running = tasks;
    }

    @Override
    public void stop() {
        Disposable.Composite tasks = running;
        running = null;
        if (tasks != null) {
            tasks.dispose();
        }
    }

    @Override
    public boolean isRunning() {
        return running != null;
    }

    /** One replica URL per address of {@code url}'s host, same scheme and port, in a stable order. */
    static List<URI> resolve(URI url) {
        try {
            return addresses(url, Arrays.asList(InetAddress.getAllByName(url.getHost())));
        } catch (UnknownHostException e) {
            log.warn("cannot resolve {}: {}", url.getHost(), e.getMessage());
            return List.of();
        }
    }

    static List<URI> addresses(URI url, Collection<InetAddress> addresses) {
        int port = url.getPort() != -1 ? url.getPort() : "https".equals(url.getScheme()) ? 443 : 80;
        return addresses.stream()
                .map(address -> address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress())
                .distinct()
                .sorted()
                .map(host -> URI.create(url.getScheme() + "://" + host + ":" + port))
                .toList();
    }
}
