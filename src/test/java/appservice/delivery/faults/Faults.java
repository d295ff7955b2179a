package appservice.delivery.faults;

import java.util.Random;

/**
 * The sizes of a fault-injection run. {@code mvn verify -Pfaults} runs the full sizes; {@code .ci/run}
 * passes smaller ones (see the README). The seed makes the random kill moments repeatable.
 */
final class Faults {

    /** Events published in the kill, database-outage and broker-outage runs. */
    static final int EVENTS = Integer.getInteger("faults.events", 100_000);

    /** SIGKILLs of the service during the kill run. */
    static final int KILLS = Integer.getInteger("faults.kills", 10);

    /** Events waiting for a DOWN application service in the backlog run. */
    static final int BACKLOG = Integer.getInteger("faults.backlog", 1_000_000);

    static final long SEED = Long.getLong("faults.seed", 20261128L);

    /**
     * How many of the invalid-registration cases start the service (each a whole Payara boot): all 18 at full
     * size; fewer, spread evenly over the list, at CI size. Every case's message is checked by the unit tests
     * of RegistrationFiles either way.
     */
    static final int REGISTRATION_CASES = Integer.getInteger("faults.registration-cases", Integer.MAX_VALUE);

    private Faults() {
    }

    static Random random() {
        return new Random(SEED);
    }

    /** One line of figures for the README's table, easy to find in the test output. */
    static void report(String test, String figures) {
        System.out.println("FAULTS " + test + ": " + figures);
    }
}
