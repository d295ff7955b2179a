package appservice.delivery;

import jakarta.inject.Inject;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.annotation.WebListener;

/**
 * Stops the service in order when its web module goes (SIGTERM, undeployment): the first moment the server
 * tells the application, while its data source is still there (see {@link Startup#stop}).
 */
@WebListener
public class OrderlyStop implements ServletContextListener {

    @Inject
    Startup startup;

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        startup.stop();
    }
}
