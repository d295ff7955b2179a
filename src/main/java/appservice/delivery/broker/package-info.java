/**
 * The broker the service consumes from: how to reach it, and the embedded Artemis broker of the default
 * set-up, which an external broker (or WildFly's own) replaces in production.
 */
package appservice.delivery.broker;
