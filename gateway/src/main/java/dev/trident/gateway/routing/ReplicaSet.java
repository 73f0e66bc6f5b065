package dev.trident.gateway.routing;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The replicas of one service and the order in which a request tries them. A request naming a session goes to the
 * session's owner on the hash ring, or, when that one is down, to the next healthy replica on the ring; any other
 * request goes to the least loaded healthy replica (round-robin among equals). Replicas known to be down come last:
 * when every replica looks down the request still tries them rather than failing without an attempt.
 */
public final class ReplicaSet {

    private record Members(List<Replica> replicas, HashRing ring) {
    }

    private final String service;
    private final int virtualNodes;
    private final AtomicInteger roundRobin = new AtomicInteger();
    private volatile Members members;

    public ReplicaSet(String service, List<URI> urls, int virtualNodes) {
        this.service = service;
        this.virtualNodes = virtualNodes;
        this.members = build(urls, Map.of());
    }

    public String service() {
        return service;
    }

    public List<Replica> replicas() {
        return members.replicas();
    }

    /**
     * Replaces the member list (a DNS answer changed). Replicas that stay keep their health and load; the ring is
     * rebuilt from the URLs, so sessions of the replicas that stay mostly stay with them.
     */
    public synchronized boolean update(List<URI> urls) {
        Members current = members;
        if (current.replicas().stream().map(Replica::url).toList().equals(urls)) {
            return false;
        }
        Map<URI, Replica> known = new LinkedHashMap<>();
        current.replicas().forEach(replica -> known.put(replica.url(), replica));
        members = build(urls, known);
        return true;
    }

    /** The replicas in the order a request with this session (null: none) should try them. */
    public List<Replica> candidates(String sessionId) {
        Members current = members;
        List<Replica> all = current.replicas();
        List<Replica> order = new ArrayList<>(all.size());
        if (all.isEmpty()) {
            return order;
        }
        if (sessionId != null) {
            for (int member : current.ring().walk(sessionId)) {
                order.add(all.get(member));
            }
        } else {
            int start = Math.floorMod(roundRobin.getAndIncrement(), all.size());
            for (int i = 0; i < all.size(); i++) {
                order.add(all.get((start + i) % all.size()));
            }
            // Stable: among equally loaded replicas the round-robin order stands.
            order.sort((a, b) -> Integer.compare(a.inFlight(), b.inFlight()));
        }
        List<Replica> usableFirst = new ArrayList<>(order.size());
        for (Replica replica : order) {
            if (replica.usable()) {
                usableFirst.add(replica);
            }
        }
        for (Replica replica : order) {
            if (!replica.usable()) {
                usableFirst.add(replica);
            }
        }
        return usableFirst;
    }

    private Members build(List<URI> urls, Map<URI, Replica> known) {
        List<Replica> replicas = urls.stream().distinct().map(url -> known.getOrDefault(url, new Replica(url))).toList();
        return new Members(replicas, new HashRing(replicas.stream().map(r -> r.url().toString()).toList(), virtualNodes));
    }
}
