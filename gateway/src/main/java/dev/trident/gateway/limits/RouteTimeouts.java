package dev.trident.gateway.limits;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.Map;

/**
 * Per-route upstream timeouts from {@code trident.limits.upstream-timeouts} (by route id, else by the route's
 * {@code service} metadata): written into each route's {@code response-timeout} metadata, which Spring Cloud
 * Gateway's routing filter applies (504 {@code upstream_timeout} when it passes). A route that sets
 * {@code response-timeout} itself keeps it.
 */
@Component
public class RouteTimeouts implements BeanPostProcessor {

    static final String RESPONSE_TIMEOUT = "response-timeout";

    private final Map<String, Duration> timeouts;

    public RouteTimeouts(Environment environment) {
        this.timeouts = Binder.get(environment)
                .bind("trident.limits.upstream-timeouts", Bindable.mapOf(String.class, Duration.class))
                .orElse(Map.of());
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof GatewayProperties gateway) {
            gateway.getRoutes().forEach(this::apply);
        }
        return bean;
    }

    void apply(RouteDefinition route) {
        if (route.getMetadata().containsKey(RESPONSE_TIMEOUT)) {
            return;
        }
        Duration timeout = timeouts.get(route.getId());
        Object service = route.getMetadata().get("service");
        if (timeout == null && service != null) {
            timeout = timeouts.get(service.toString());
        }
        if (timeout != null) {
            route.getMetadata().put(RESPONSE_TIMEOUT, timeout.toMillis());
        }
    }
}
