package dev.trident.gateway.routing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The consistency properties of the session ring, over many session ids. */
class HashRingTest {

    private static final int SESSIONS = 20_000;
    private static final int VIRTUAL_NODES = 160;

    private static List<String> replicas(int n) {
        return IntStream.range(0, n).mapToObj(i -> "http://10.0.0." + (i + 1) + ":8082").toList();
    }

    private static List<String> sessions() {
        return IntStream.range(0, SESSIONS).mapToObj(i -> "session-" + i).toList();
    }

    @Test
    void addingAReplicaMovesAboutOneNthOfTheSessionsAllOntoTheNewOne() {
        for (int n = 2; n <= 8; n++) {
            HashRing before = new HashRing(replicas(n), VIRTUAL_NODES);
            HashRing after = new HashRing(replicas(n + 1), VIRTUAL_NODES);
            int moved = 0;
            for (String session : sessions()) {
                int was = before.owner(session);
                int is = after.owner(session);
                if (was != is) {
                    moved++;
                    // Consistency: a session moves only to the replica that joined, never between old ones.
                    assertThat(is).as(session).isEqualTo(n);
                }
            }
            double fraction = moved / (double) SESSIONS;
            double expected = 1.0 / (n + 1);
            assertThat(fraction).as("moved with %d -> %d replicas", n, n + 1).isBetween(expected * 0.7, expected * 1.3);
        }
    }

    @Test
    void removingAReplicaMovesOnlyItsOwnSessions() {
        List<String> three = replicas(3);
        HashRing full = new HashRing(three, VIRTUAL_NODES);
        List<String> withoutSecond = List.of(three.get(0), three.get(2));
        HashRing reduced = new HashRing(withoutSecond, VIRTUAL_NODES);
        int moved = 0;
        for (String session : sessions()) {
            String was = three.get(full.owner(session));
            String is = withoutSecond.get(reduced.owner(session));
            if (!was.equals(is)) {
                moved++;
                assertThat(was).isEqualTo(three.get(1));
            }
        }
        assertThat(moved / (double) SESSIONS).isBetween(0.7 / 3, 1.3 / 3);
    }

    @Test
    void aDownReplicasSessionsGoToTheNextOnTheRingWhichIsWhereTheyGoWithoutIt() {
        // Walking past a replica that is down gives the same owner as a ring built without it.
        List<String> four = replicas(4);
        HashRing ring = new HashRing(four, VIRTUAL_NODES);
        List<String> withoutThird = new ArrayList<>(four);
        withoutThird.remove(2);
        HashRing reduced = new HashRing(withoutThird, VIRTUAL_NODES);
        for (String session : sessions()) {
            int next = Arrays.stream(ring.walk(session)).filter(member -> member != 2).findFirst().orElseThrow();
            assertThat(four.get(next)).isEqualTo(withoutThird.get(reduced.owner(session)));
        }
    }

    @Test
    void sessionsSpreadEvenlyAndTheWalkVisitsEveryReplicaOnce() {
        HashRing ring = new HashRing(replicas(3), VIRTUAL_NODES);
        int[] share = new int[3];
        for (String session : sessions()) {
            int[] walk = ring.walk(session);
            assertThat(walk).containsExactlyInAnyOrder(0, 1, 2);
            assertThat(walk[0]).isEqualTo(ring.owner(session));
            share[walk[0]]++;
        }
        for (int count : share) {
            assertThat(count / (double) SESSIONS).isBetween(0.8 / 3, 1.2 / 3);
        }
    }

    @Test
    void theSameIdsGiveTheSameRingAndAnEmptyRingOwnsNothing() {
        HashRing a = new HashRing(replicas(5), VIRTUAL_NODES);
        HashRing b = new HashRing(replicas(5), VIRTUAL_NODES);
        for (String session : sessions().subList(0, 1000)) {
            assertThat(a.walk(session)).containsExactly(b.walk(session));
        }
        HashRing empty = new HashRing(List.of(), VIRTUAL_NODES);
        assertThat(empty.owner("x")).isEqualTo(-1);
        assertThat(empty.walk("x")).isEmpty();
    }
}
