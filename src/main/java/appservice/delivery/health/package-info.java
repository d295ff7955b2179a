/** How the service and each application service are doing: health checks and metrics. */
package appservice.delivery.health;
