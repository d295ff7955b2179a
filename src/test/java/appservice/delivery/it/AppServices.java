package appservice.delivery.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The application services a test class needs: each gets a {@link RecordingAppService} and a
 * registration file ({@code id}, {@code as-<id>}/{@code hs-<id>} tokens, sender {@code <id>_bot},
 * users namespace {@code @<id>_.*}) before the service starts. Extra YAML lines follow the id after
 * {@code |}, e.g. {@code "bridge|receive_ephemeral: true"}; {@code "|url: null"} replaces the URL.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AppServices {
    String[] value();

    /** Of these, the ids of those the service reaches through a {@link SlowLink}. */
    String[] slowLinks() default {};
}
