package appservice.delivery.ping;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import appservice.delivery.Tokens;
import jakarta.ws.rs.ProcessingException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

class PingOutcomeTest {

    @Test
    void aTwoHundredIsTheDuration() {
        PingOutcome outcome = PingOutcome.answered(200, "{}", 42);
        assertEquals(200, outcome.status());
        assertEquals("{\"duration_ms\":42}", outcome.body().toString());
    }

    @Test
    void anyOtherStatusIsBadStatusWithTheStatusAndBody() {
        PingOutcome outcome = PingOutcome.answered(500, "{\"oops\":true}", 7);
        assertEquals(502, outcome.status());
        assertEquals("M_BAD_STATUS", outcome.body().getString("errcode"));
        assertEquals(500, outcome.body().getInt("status"));
        assertEquals("{\"oops\":true}", outcome.body().getString("body"));
    }

    @Test
    void aTimeoutIsConnectionTimeout() {
        PingOutcome outcome = PingOutcome.noAnswer(new ProcessingException(new SocketTimeoutException("Read timed out")));
        assertEquals(504, outcome.status());
        assertEquals("M_CONNECTION_TIMEOUT", outcome.body().getString("errcode"));
    }

    @Test
    void anyOtherFailureIsConnectionFailed() {
        PingOutcome outcome = PingOutcome.noAnswer(new ProcessingException(new ConnectException("Connection refused")));
        assertEquals(502, outcome.status());
        assertEquals("M_CONNECTION_FAILED", outcome.body().getString("errcode"));
        assertTrue(outcome.body().getString("error").contains("Connection refused"));
    }

    @Test
    void forbiddenAndUrlNotSet() {
        assertEquals(403, PingOutcome.forbidden().status());
        assertEquals("M_FORBIDDEN", PingOutcome.forbidden().body().getString("errcode"));
        assertEquals(400, PingOutcome.urlNotSet().status());
        assertEquals("M_URL_NOT_SET", PingOutcome.urlNotSet().body().getString("errcode"));
    }

    @Test
    void onlyTheRightBearerTokenMatches() {
        assertTrue(Tokens.bearerMatches("Bearer as-secret", "as-secret"));
        assertFalse(Tokens.bearerMatches("Bearer as-secreT", "as-secret"));
        assertFalse(Tokens.bearerMatches("as-secret", "as-secret"));
        assertFalse(Tokens.bearerMatches(null, "as-secret"));
        assertFalse(Tokens.bearerMatches("Bearer ", "as-secret"));
    }
}
