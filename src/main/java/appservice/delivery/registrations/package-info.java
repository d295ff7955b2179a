/**
 * Registrations: loads and validates the application-service registration files.
 */
package appservice.delivery.registrations;
