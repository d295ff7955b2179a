/**
 * Sending transactions to application services over HTTP, one worker per application service at a time,
 * and, where several instances share the database, which instance sends for which (its leases).
 */
package appservice.delivery.sending;
