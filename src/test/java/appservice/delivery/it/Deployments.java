package appservice.delivery.it;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/** The deployment every integration test uses: the WAR the build produced, unchanged. */
public final class Deployments {

    private Deployments() {
    }

    public static WebArchive app() {
        File war = new File(System.getProperty("dist.dir", "target/dist"), "appservice-delivery.war");
        return ShrinkWrap.createFromZipFile(WebArchive.class, war);
    }
}
