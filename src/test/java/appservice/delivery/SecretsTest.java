package appservice.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.logging.StreamHandler;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @Test
    void knownTokensAndAccessTokenParametersAreMasked() {
        Secrets.protect(List.of("hs-very-secret", "", "as-also-secret"));
        assertEquals("PUT http://as/_matrix/app/v1/transactions/1?access_token=*** failed",
                Secrets.mask("PUT http://as/_matrix/app/v1/transactions/1?access_token=abc123 failed"));
        assertEquals("Bearer *** and ***", Secrets.mask("Bearer hs-very-secret and as-also-secret"));
        assertEquals("nothing to hide", Secrets.mask("nothing to hide"));
    }

    @Test
    void theRootHandlersWriteMaskedLinesAndExceptions() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StreamHandler handler = new StreamHandler(out, new SimpleFormatter());
        Logger root = Logger.getLogger("");
        root.addHandler(handler);
        try {
            Secrets.protect(List.of("hs-logged-token"));
            Logger.getLogger("test").log(Level.WARNING, "sending with {0} to http://x/?access_token=hs-logged-token",
                    new IllegalStateException("failed: hs-logged-token", new RuntimeException("cause with hs-logged-token")));
            Logger.getLogger("test").log(Level.WARNING, "token {0}", "hs-logged-token");
            handler.flush();
            String written = out.toString();
            assertFalse(written.contains("hs-logged-token"), written);
            assertTrue(written.contains("access_token=***") && written.contains("failed: ***"), written);
            assertTrue(written.contains("token ***"), written);
        } finally {
            root.removeHandler(handler);
        }
    }
}
