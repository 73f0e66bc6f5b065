package dev.trident.gateway.routing;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Counts a request against its replica until the whole response has been written (a stream included), not only
 * until its headers came back: it wraps the filter that writes the response body, which the load balancer filter
 * runs inside.
 */
@Component
public class InFlightReleaseFilter implements GlobalFilter, Ordered {

    @Override
    public int getOrder() {
        return NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        return chain.filter(exchange).doFinally(signal -> {
            Object replica = exchange.getAttributes().remove(ReplicaLoadBalancerFilter.IN_FLIGHT_ATTRIBUTE);
            if (replica instanceof Replica serving) {
                serving.finished();
            }
        });
    }
}
