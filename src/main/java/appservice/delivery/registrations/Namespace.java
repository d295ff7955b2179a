package appservice.delivery.registrations;

import java.util.Objects;
import java.util.regex.Pattern;

/** One namespace of a registration: a regex over user ids, room aliases or room ids. */
public record Namespace(Pattern regex, boolean exclusive) {

    public Namespace {
        Objects.requireNonNull(regex, "regex");
    }

    /** Matches anchored at the start only, as Synapse's Python {@code re.match} does. */
    public boolean matches(String value) {
        return value != null && regex.matcher(value).lookingAt();
    }
}
