package appservice.delivery.sending;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AnswerTest {

    @Test
    void aWholeBodyIsAnAnswer() throws IOException {
        Answer answer = Answer.read(200, 2, stream("{}"));
        assertEquals("{}", answer.text());
        assertFalse(answer.overflowed());
        assertEquals(Optional.empty(), answer.missing(Optional.empty()));
    }

    @Test
    void aBodyShorterThanItsContentLengthIsNoAnswer() throws IOException {
        Answer answer = Answer.read(200, 100, stream("{\""));
        assertEquals(Optional.of("connection closed mid-response: 2 of 100 bytes of an HTTP 200"),
                answer.missing(Optional.empty()));
    }

    @Test
    void noMoreThan64KiBAreReadOfAnEndlessBodyAndItsStatusIsTheAnswer() throws IOException {
        CountingEndlessStream endless = new CountingEndlessStream();
        Answer answer = Answer.read(200, -1, endless);
        assertTrue(answer.overflowed());
        assertEquals(Answer.MAX_BODY, answer.body().length);
        assertEquals(Answer.MAX_BODY + 1, endless.read);
        assertEquals(Optional.empty(), answer.missing(Optional.of("deadline")), "it was not waited for");
    }

    @Test
    void givenUpOnBeforeTheBodyWasWholeIsNoAnswerForThatReason() throws IOException {
        assertEquals(Optional.of("deadline"), Answer.read(200, 100, stream("{\"")).missing(Optional.of("deadline")));
        // Without a length, the end of a stream closed under the reader looks like the body's end.
        assertEquals(Optional.of("deadline"), Answer.read(200, -1, stream("{")).missing(Optional.of("deadline")));
    }

    @Test
    void givenUpOnOnlyAfterTheBodyWasWholeIsStillAnAnswer() throws IOException {
        assertEquals(Optional.empty(), Answer.read(200, 2, stream("{}")).missing(Optional.of("deadline")));
    }

    @Test
    void aBodyWithoutLengthReadToItsEndIsAnAnswer() throws IOException {
        assertEquals(Optional.empty(), Answer.read(200, -1, stream("{}")).missing(Optional.empty()));
        assertEquals(Optional.empty(), Answer.withoutBody(204, -1).missing(Optional.empty()));
    }

    private static InputStream stream(String body) {
        return new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
    }

    private static final class CountingEndlessStream extends InputStream {

        long read;

        @Override
        public int read() {
            read++;
            return 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Arrays.fill(b, off, off + len, (byte) 'x');
            read += len;
            return len;
        }
    }
}
