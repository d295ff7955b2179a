/** The embedded Artemis broker of the default set-up; an external broker replaces it in production. */
package appservice.delivery.broker;
