package dev.trident.gateway.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * How the gateway picks and watches the replicas of each service.
 *
 * @param healthPath          the path polled on every replica; 200 with {@code "status":"UP"} is healthy
 * @param healthInterval      time between two polls of a replica; a failed poll takes it out, a good one puts it back
 * @param healthTimeout       a poll that takes longer counts as failed
 * @param dnsRefresh          time between two lookups of a {@code dns} service's name
 * @param virtualNodes        points per replica on the session hash ring (more: a more even share of sessions)
 * @param sessionHeader       the header that names a session
 * @param sessionBodyField    the top-level field of a JSON body that names a session when the header is absent
 */
@ConfigurationProperties("trident.routing")
public record RoutingSettings(
        @DefaultValue("/actuator/health") String healthPath,
        @DefaultValue("5s") Duration healthInterval,
        @DefaultValue("2s") Duration healthTimeout,
        @DefaultValue("10s") Duration dnsRefresh,
        @DefaultValue("160") int virtualNodes,
        @DefaultValue("X-Session-Id") String sessionHeader,
        @DefaultValue("session_id") String sessionBodyField) {
}
