package appservice.delivery.sending;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.recovery.Recoverers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LeasesTest {

    private static final List<String> TEN = IntStream.rangeClosed(1, 10).mapToObj(i -> "as" + (i < 10 ? "0" : "") + i).toList();

    @Test
    void aLoneInstanceTakesEveryApplicationService() {
        Leases.Plan plan = Leases.plan(TEN, Set.of(), TEN, 1, Set.of());
        assertEquals(Set.copyOf(TEN), Set.copyOf(plan.take()));
        assertEquals(List.of(), plan.handBack());
    }

    @Test
    void aSecondInstanceWaitsForTheFirstToHandBackHalf() {
        Leases.Plan second = Leases.plan(TEN, Set.of(), List.of(), 2, Set.of());
        assertEquals(List.of(), second.take(), "nothing is free yet");

        Leases.Plan first = Leases.plan(TEN, Set.copyOf(TEN), List.of(), 2, Set.of());
        assertEquals(TEN.subList(5, 10), first.handBack());
        assertEquals(List.of(), first.take());

        Leases.Plan secondAgain = Leases.plan(TEN, Set.of(), first.handBack(), 2, Set.of());
        assertEquals(Set.copyOf(TEN.subList(5, 10)), Set.copyOf(secondAgain.take()));
    }

    @Test
    void anApplicationServiceBeingSentToIsHandedBackOnlyOnceIdle() {
        Leases.Plan plan = Leases.plan(TEN, Set.copyOf(TEN), List.of(), 2, Set.of("as07", "as01"));
        assertEquals(Set.of("as07"), plan.keepHandingBack());
        assertEquals(List.of("as06", "as08", "as09", "as10"), plan.handBack().stream().sorted().toList());
    }

    @Test
    void theSurvivorTakesWhatADeadInstanceHeldOnceItsLeasesRunOut() {
        Set<String> mine = Set.copyOf(TEN.subList(0, 5));
        Leases.Plan whileBothLive = Leases.plan(TEN, mine, List.of(), 2, Set.of());
        assertEquals(List.of(), whileBothLive.take());
        Leases.Plan afterExpiry = Leases.plan(TEN, mine, TEN.subList(5, 10), 1, Set.of());
        assertEquals(Set.copyOf(TEN.subList(5, 10)), Set.copyOf(afterExpiry.take()));
        assertEquals(List.of(), afterExpiry.handBack());
    }

    @Test
    void sharesRoundUpSoThatNoApplicationServiceIsLeftWithoutAnOwner() {
        List<String> five = TEN.subList(0, 5);
        Set<String> taken = new HashSet<>(Leases.plan(five, Set.of(), five, 2, Set.of()).take());
        assertEquals(3, taken.size());
        List<String> rest = five.stream().filter(asId -> !taken.contains(asId)).toList();
        assertEquals(2, Leases.plan(five, Set.of(), rest, 2, Set.of()).take().size());
    }

    @Test
    void aLeaseWhoseRegistrationIsGoneIsHandedBack() {
        Leases.Plan plan = Leases.plan(TEN.subList(0, 2), Set.of("as01", "gone"), List.of("as02"), 1, Set.of());
        assertEquals(List.of("gone"), plan.handBack());
        assertEquals(List.of("as02"), plan.take());
        assertTrue(plan.keepHandingBack().isEmpty());
    }

    @Test
    void aPutInFlightIsGivenUpOnOnceTheLeasesMayRunOutUnrenewed() {
        AbandonedPuts sender = new AbandonedPuts();
        Leases leases = leases(sender);
        leases.maintain(Set.of()); // never renewed: valid until its start, and too early for a round
        assertEquals(1, sender.abandoned.size(), "abandoned: " + sender.abandoned);
        assertTrue(sender.abandoned.get(0).startsWith("*: "), sender.abandoned.get(0));
    }

    @Test
    void aPutInFlightIsGivenUpOnWhenItsLeaseIsFoundLost() {
        AbandonedPuts sender = new AbandonedPuts();
        Leases leases = leases(sender);
        leases.update(Set.of("a", "b"), Set.of());
        assertEquals(List.of(), sender.abandoned);
        leases.update(Set.of("b"), Set.of());
        assertEquals(1, sender.abandoned.size(), "abandoned: " + sender.abandoned);
        assertTrue(sender.abandoned.get(0).startsWith("a: "), sender.abandoned.get(0));
    }

    private static Leases leases(TransactionSender sender) {
        Leases leases = new Leases();
        leases.duration = Duration.ofSeconds(20);
        leases.recoverers = new Recoverers();
        leases.sender = sender;
        return leases;
    }

    /** The PUTs given up on, as "asId: reason" ("*" for all of them). */
    private static final class AbandonedPuts extends TransactionSender {

        final List<String> abandoned = new ArrayList<>();

        @Override
        void abandon(String asId, String reason) {
            abandoned.add(asId + ": " + reason);
        }

        @Override
        void abandonAll(String reason) {
            abandoned.add("*: " + reason);
        }
    }
}
