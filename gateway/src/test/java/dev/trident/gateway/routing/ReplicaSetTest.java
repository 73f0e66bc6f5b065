package dev.trident.gateway.routing;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The order in which requests try the replicas of a service. */
class ReplicaSetTest {

    private static final List<URI> THREE = List.of(
            URI.create("http://127.0.0.1:9001"), URI.create("http://127.0.0.1:9002"), URI.create("http://127.0.0.1:9003"));

    @Test
    void aSessionAlwaysGetsTheSameReplicaAndFallsToTheNextOnTheRingWhenItIsDown() {
        ReplicaSet set = new ReplicaSet("decoder", THREE, 160);
        Replica owner = set.candidates("chat-42").getFirst();
        for (int i = 0; i < 50; i++) {
            assertThat(set.candidates("chat-42").getFirst()).isSameAs(owner);
        }
        Replica next = set.candidates("chat-42").get(1);
        owner.markDown("stopped");
        assertThat(set.candidates("chat-42").getFirst()).isSameAs(next);
        // The owner stays in the list, last: tried only when the others fail too.
        assertThat(set.candidates("chat-42").getLast()).isSameAs(owner);
        owner.markUp();
        assertThat(set.candidates("chat-42").getFirst()).isSameAs(owner);
    }

    @Test
    void requestsWithoutASessionRotateOverTheReplicasAndPreferTheLeastLoaded() {
        ReplicaSet set = new ReplicaSet("encoder", THREE, 160);
        Set<URI> firsts = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            firsts.add(set.candidates(null).getFirst().url());
        }
        assertThat(firsts).containsExactlyInAnyOrderElementsOf(THREE);

        Replica busy = set.replicas().get(0);
        Replica busier = set.replicas().get(1);
        busy.started();
        busier.started();
        busier.started();
        for (int i = 0; i < 6; i++) {
            assertThat(set.candidates(null)).extracting(Replica::url).containsExactly(THREE.get(2), THREE.get(0), THREE.get(1));
        }
        busy.finished();
        busier.finished();
        busier.finished();
    }

    @Test
    void replicasThatAreDownComeLastAndAllDownStillGivesEveryReplicaToTry() {
        ReplicaSet set = new ReplicaSet("seq2seq", THREE, 160);
        set.replicas().get(0).markDown("refused");
        for (int i = 0; i < 6; i++) {
            assertThat(set.candidates(null).getLast().url()).isEqualTo(THREE.get(0));
        }
        set.replicas().forEach(replica -> replica.markDown("refused"));
        assertThat(set.candidates(null)).hasSize(3);
        assertThat(set.candidates("s")).hasSize(3);
    }

    @Test
    void aNewMemberListKeepsTheHealthOfTheReplicasThatStay() {
        ReplicaSet set = new ReplicaSet("decoder", THREE, 160);
        Replica staying = set.replicas().get(1);
        staying.markDown("refused");
        URI added = URI.create("http://127.0.0.1:9004");
        assertThat(set.update(List.of(THREE.get(1), THREE.get(2), added))).isTrue();
        assertThat(set.replicas()).extracting(Replica::url).containsExactly(THREE.get(1), THREE.get(2), added);
        assertThat(set.replicas().getFirst()).isSameAs(staying);
        assertThat(set.replicas().getFirst().health()).isEqualTo(Replica.Health.DOWN);
        assertThat(set.update(List.of(THREE.get(1), THREE.get(2), added))).isFalse();
    }

    @Test
    void dnsAnswersBecomeOneReplicaPerAddressOnTheConfiguredPort() throws Exception {
        List<URI> urls = ReplicaRegistry.addresses(URI.create("http://decoder:8082"), List.of(
                java.net.InetAddress.getByName("10.0.0.2"), java.net.InetAddress.getByName("10.0.0.1"),
                java.net.InetAddress.getByName("::1")));
        assertThat(urls).extracting(URI::toString)
                .containsExactly("http://10.0.0.1:8082", "http://10.0.0.2:8082", "http://[0:0:0:0:0:0:0:1]:8082");
        assertThat(ReplicaRegistry.resolve(URI.create("http://localhost:8082"))).isNotEmpty()
                .allSatisfy(url -> assertThat(url.getPort()).isEqualTo(8082));
    }

    @Test
    void theReplicaUrlKeepsThePathAndQueryOfTheRequest() {
        URI target = ReplicaLoadBalancerFilter.onReplica(URI.create("lb://decoder/v1/sessions/a%20b?x=1"),
                URI.create("http://127.0.0.1:9002"));
        assertThat(target.toString()).isEqualTo("http://127.0.0.1:9002/v1/sessions/a%20b?x=1");
    }
}
