package appservice.delivery.registrations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The registered application services, loaded once at startup from the registration files. */
@ApplicationScoped
public class Registrations {

    @Inject
    @ConfigProperty(name = "delivery.registrations", defaultValue = "server-config/appservices")
    String setting;

    private volatile List<AppService> services;

    /** Reads and validates every registration file; throws naming the file and the problem. */
    public List<AppService> load() {
        services = RegistrationFiles.load(setting);
        return services;
    }

    public String setting() {
        return setting;
    }

    public boolean loaded() {
        return services != null;
    }

    /** All registered application services; empty until loaded. */
    public List<AppService> all() {
        List<AppService> current = services;
        return current == null ? List.of() : current;
    }

    public Optional<AppService> find(String id) {
        return all().stream().filter(as -> as.id().equals(id)).findFirst();
    }
}
