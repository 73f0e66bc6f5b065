package dev.trident.gateway.security;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UpstreamPathGuardTest {

    @Test
    void ordinaryServicePathsPass() {
        assertThat(UpstreamPathGuard.allowed("/v1/chat/completions")).isTrue();
        assertThat(UpstreamPathGuard.allowed("/v1/sessions/abc-123")).isTrue();
        assertThat(UpstreamPathGuard.allowed("/v1/batches/0b6c/results")).isTrue();
        assertThat(UpstreamPathGuard.allowed("/v1/sessions/a%20b")).isTrue();
        assertThat(UpstreamPathGuard.allowed("/info")).isTrue();
    }

    @Test
    void managementEndpointsAndWaysOutOfARouteAreRefused() {
        for (String path : new String[] {"/actuator/env", "/ACTUATOR/health", "/admin/x", "/v1/sessions/../../actuator",
                "/v1/sessions/%2e%2e/%2e%2e/actuator", "/v1/a/..%2factuator", "/v1/a/%2F", "/v1/a/%5cb", "/v1/a\\b",
                "/v1/sessions/..;/actuator", "/v1/a/./b", "/v1/a/%252e%252e/b", "/v1/a/%zz"}) {
            assertThat(UpstreamPathGuard.allowed(path)).as(path).isFalse();
        }
    }
}
