package dev.trident.gateway.routing;

import dev.trident.gateway.web.GatewayError;
import dev.trident.gateway.web.GatewayErrors;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.factory.AbstractGatewayFilterFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Answers {@code POST /v1/tasks/{task}} for a task no route knows with 400 and the list of known tasks.
 * The known tasks are read from the routes themselves (ids {@code task-*} with a {@code task} metadata entry), so
 * adding a task route in application.yml is all it takes.
 */
@Component
public class UnknownTaskGatewayFilterFactory extends AbstractGatewayFilterFactory<Object> {

    private static final String TASK_ROUTE_PREFIX = "task-";

    private final GatewayProperties gateway;
    private final GatewayErrors errors;

    public UnknownTaskGatewayFilterFactory(GatewayProperties gateway, GatewayErrors errors) {
        super(Object.class);
        this.gateway = gateway;
        this.errors = errors;
    }

    public List<String> knownTasks() {
        return gateway.getRoutes().stream()
                .filter(route -> route.getId() != null && route.getId().startsWith(TASK_ROUTE_PREFIX))
                .map(route -> route.getMetadata().get("task"))
                .filter(Objects::nonNull)
                .map(Object::toString)
                .distinct()
                .toList();
    }

    @Override
    public GatewayFilter apply(Object config) {
        return (exchange, chain) -> {
            String path = exchange.getRequest().getPath().value();
            String task = path.substring(path.lastIndexOf('/') + 1);
            List<String> known = knownTasks();
            return errors.write(exchange, new GatewayError(HttpStatus.BAD_REQUEST, "unknown_task",
                    "unknown task '" + task + "'; known tasks: " + String.join(", ", known),
                    Map.of("known_tasks", known)));
        };
    }
}
