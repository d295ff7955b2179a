/** Health checks: whether the service is ready to take events, and how each application service is doing. */
package appservice.delivery.health;
