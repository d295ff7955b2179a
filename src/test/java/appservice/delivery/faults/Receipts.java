package appservice.delivery.faults;

import jakarta.json.Json;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one application service received, small enough for a million events: per transaction id a
 * digest of the first body (and every id that came again with another body), the new ids that came
 * after a higher one, and the event ids of each accepted transaction once, in the order accepted.
 */
final class Receipts {

    private final Map<String, String> digests = new HashMap<>();
    private final Set<String> twoContents = new HashSet<>();
    private final Set<String> accepted = new HashSet<>();
    private final List<String> delivered = new ArrayList<>();
    private final List<String> notIncreasing = new ArrayList<>();
    private long highestTxnId = Long.MIN_VALUE;

    /** A transaction as it arrived, and whether the application service answered it with a 2xx. */
    synchronized void record(String txnId, byte[] body, boolean ok) {
        String digest = digest(body);
        String first = digests.putIfAbsent(txnId, digest);
        if (first != null && !first.equals(digest)) {
            twoContents.add(txnId);
        }
        if (first == null) {
            long id = Long.parseLong(txnId);
            if (id <= highestTxnId) {
                notIncreasing.add(txnId + " after " + highestTxnId);
            }
            highestTxnId = Math.max(highestTxnId, id);
        }
        if (ok && accepted.add(txnId)) {
            delivered.addAll(eventIds(body));
        }
    }

    synchronized int deliveredCount() {
        return delivered.size();
    }

    synchronized List<String> delivered() {
        return List.copyOf(delivered);
    }

    synchronized List<String> transactionsWithTwoContents() {
        return List.copyOf(twoContents);
    }

    /** New transaction ids that arrived after a higher one (ids must only grow, whichever instance sends). */
    synchronized List<String> idsNotIncreasing() {
        return List.copyOf(notIncreasing);
    }

    private static List<String> eventIds(byte[] body) {
        List<String> ids = new ArrayList<>();
        try (JsonParser parser = Json.createParser(new StringReader(new String(body, StandardCharsets.UTF_8)))) {
            int depth = 0; // 1: the body, 2: its "events" array, 3: an event
            String list = null;
            while (parser.hasNext()) {
                JsonParser.Event event = parser.next();
                switch (event) {
                    case START_OBJECT, START_ARRAY -> depth++;
                    case END_OBJECT, END_ARRAY -> depth--;
                    case KEY_NAME -> {
                        if (depth == 1) {
                            list = parser.getString();
                        } else if (depth == 3 && "events".equals(list) && parser.getString().equals("event_id")) {
                            parser.next();
                            ids.add(parser.getString());
                        }
                    }
                    default -> {
                    }
                }
            }
        }
        return ids;
    }

    private static String digest(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
