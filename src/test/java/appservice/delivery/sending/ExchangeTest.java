package appservice.delivery.sending;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ExchangeTest {

    /** Closes handed to the closing executor, run when the test says. */
    private final List<Runnable> closings = new ArrayList<>();
    private final AtomicInteger closed = new AtomicInteger();
    private final Exchange exchange = new Exchange(closings::add);

    @Test
    void givenUpOnWhileOpenItsConnectionIsClosedByTheClosingExecutorAndItsReasonKept() {
        assertTrue(exchange.request(() -> Exchange.opening(closed::incrementAndGet)));
        assertTrue(exchange.abandon("deadline"));
        assertEquals(0, closed.get(), "the one giving up does not close it itself");
        runClosings();
        assertEquals(1, closed.get());
        assertEquals(Optional.of("deadline"), exchange.finish());
    }

    @Test
    void givenUpOnBeforeItsConnectionOpensTheRequestMustNotGoOut() {
        exchange.abandon("lease lost");
        assertFalse(exchange.request(() -> Exchange.opening(closed::incrementAndGet)));
        assertTrue(exchange.closeAgain(), "nothing to close, but not finished yet");
        assertEquals(List.of(), closings);
        assertEquals(Optional.of("lease lost"), exchange.finish());
    }

    @Test
    void givenUpOnItsConnectionIsClosedAgainUntilTheRequesterHasFinished() {
        exchange.request(() -> Exchange.opening(closed::incrementAndGet));
        exchange.abandon("deadline");
        assertTrue(exchange.closeAgain());
        assertEquals(1, closings.size(), "no second close while the first has not returned");
        runClosings();
        assertTrue(exchange.closeAgain());
        runClosings();
        assertEquals(2, closed.get());
        exchange.finish();
        assertFalse(exchange.closeAgain(), "finished: its connection may serve another request by now");
        assertEquals(List.of(), closings);
    }

    @Test
    void onceFinishedItsConnectionIsNeverClosedFromOutside() {
        exchange.request(() -> Exchange.opening(closed::incrementAndGet));
        assertEquals(Optional.empty(), exchange.finish());
        assertFalse(exchange.abandon("deadline"));
        assertEquals(List.of(), closings);
        assertEquals(Optional.empty(), exchange.finish());
    }

    @Test
    void theFirstReasonToGiveUpIsTheOneKept() {
        exchange.request(() -> Exchange.opening(closed::incrementAndGet));
        assertTrue(exchange.abandon("lease lost"));
        assertFalse(exchange.abandon("deadline"));
        runClosings();
        assertEquals(1, closed.get());
        assertEquals(Optional.of("lease lost"), exchange.finish());
    }

    @Test
    void dropClosesTheConnectionAtOnceWithoutMakingItAFailure() {
        exchange.request(() -> Exchange.opening(closed::incrementAndGet));
        exchange.drop();
        assertEquals(1, closed.get());
        assertEquals(Optional.empty(), exchange.finish());
    }

    @Test
    void onceGivenUpOnTheBodyCanNoLongerBeRead() throws IOException {
        InputStream body = exchange.reading(new ByteArrayInputStream(new byte[] {'{', '}'}));
        assertEquals('{', body.read());
        exchange.abandon("deadline");
        IOException stopped = assertThrows(IOException.class, () -> body.read(new byte[8], 0, 8));
        assertEquals("deadline", stopped.getMessage());
    }

    @Test
    void aConnectionOpenedOutsideAnyExchangeOrAfterTheRequestBelongsToNone() {
        assertTrue(Exchange.opening(closed::incrementAndGet));
        exchange.request(() -> true);
        assertTrue(Exchange.opening(closed::incrementAndGet));
        exchange.abandon("deadline");
        assertEquals(List.of(), closings);
    }

    private void runClosings() {
        List<Runnable> now = new ArrayList<>(closings);
        closings.clear();
        now.forEach(Runnable::run);
    }
}
