/**
 * Routing: decides which application services want an event.
 */
package appservice.delivery.routing;
