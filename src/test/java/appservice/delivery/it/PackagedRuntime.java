package appservice.delivery.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test of the packaged runtime (target/dist: Payara Micro, its start script and embedded broker), run
 * through {@link ServiceProcess}: it only makes sense on Payara Micro, so the WildFly run
 * ({@code -Pwildfly}) leaves it out.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("packaged-runtime")
public @interface PackagedRuntime {
}
