/**
 * Routing: decides which application services want an envelope, and what each of them gets.
 */
package appservice.delivery.routing;
