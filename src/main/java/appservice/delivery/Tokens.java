package appservice.delivery;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Checks a bearer token without leaking, through timing, how much of it was right. */
public final class Tokens {

    private Tokens() {
    }

    public static boolean bearerMatches(String authorizationHeader, String expectedToken) {
        if (authorizationHeader == null || expectedToken == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = authorizationHeader.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, expectedToken.getBytes(StandardCharsets.UTF_8));
    }
}
