package appservice.delivery.ping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PingBodyTest {

    @Test
    void theTransactionIdIfAny() throws Exception {
        assertEquals("t1", PingBody.transactionId(body("{\"transaction_id\":\"t1\"}")));
        assertNull(PingBody.transactionId(body("{}")));
        assertNull(PingBody.transactionId(body("")));
        assertNull(PingBody.transactionId(body("{\"transaction_id\":null}")));
        assertThrows(IllegalArgumentException.class, () -> PingBody.transactionId(body("{\"transaction_id\":1}")));
        assertThrows(RuntimeException.class, () -> PingBody.transactionId(body("not json")));
    }

    @Test
    void aBodyUpToTheLimitIsRead() throws Exception {
        String padded = "{\"transaction_id\":\"t\",\"padding\":\"" + "x".repeat(PingBody.LIMIT - 40) + "\"}";
        assertTrue(padded.length() <= PingBody.LIMIT);
        assertEquals("t", PingBody.transactionId(body(padded)));
    }

    @Test
    void aLargerBodyIsRefusedHavingReadOneByteMoreThanTheLimit() {
        Endless endless = new Endless();
        assertThrows(PingBody.TooLargeException.class, () -> PingBody.transactionId(endless));
        assertEquals(PingBody.LIMIT + 1, endless.read);
    }

    private static InputStream body(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A body that never ends, counting what was read of it. */
    private static final class Endless extends InputStream {
        long read;

        @Override
        public int read() {
            read++;
            return ' ';
        }
    }
}
