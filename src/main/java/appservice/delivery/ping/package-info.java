/** The client-server ping of an application service (spec v1.7): is it reachable, and how fast. */
package appservice.delivery.ping;
