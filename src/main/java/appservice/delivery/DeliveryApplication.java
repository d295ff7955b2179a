package appservice.delivery;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The HTTP endpoints of the service, at the root of the server (e.g. {@code /health/ready}). */
@ApplicationPath("/")
public class DeliveryApplication extends Application {
}
