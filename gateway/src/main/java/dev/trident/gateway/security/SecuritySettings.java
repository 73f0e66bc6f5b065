package dev.trident.gateway.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * Who may call the gateway.
 *
 * @param adminKey          the key of the admin API ({@code /admin/**}); empty disables the admin API
 * @param keyCacheTtl       how long a key lookup (found or not) is reused before the database is asked again: a key
 *                          revoked on another gateway instance stops working within this time (on this instance at once)
 * @param keyCacheMaxEntries lookups kept at most; beyond it the cache starts over (guards against floods of random keys)
 * @param bootstrapFirstKey when to create a first team and key at start-up if there is no key at all:
 *                          {@code embedded} (only on the gateway's own embedded database), {@code always}, {@code never}
 * @param bootstrapTeam     the name of that first team
 * @param publicPaths       paths that need no key (the gateway's own health)
 * @param identityHeaderPrefix headers with this prefix are the gateway's to set: removed from clients' requests
 */
@ConfigurationProperties("trident.security")
public record SecuritySettings(
        @DefaultValue("") String adminKey,
        @DefaultValue("5s") Duration keyCacheTtl,
        @DefaultValue("100000") int keyCacheMaxEntries,
        @DefaultValue("embedded") String bootstrapFirstKey,
        @DefaultValue("default") String bootstrapTeam,
        @DefaultValue({"/actuator/health", "/actuator/health/**"}) List<String> publicPaths,
        @DefaultValue("X-Trident-") String identityHeaderPrefix) {
}
