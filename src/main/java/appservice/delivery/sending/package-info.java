/** Sending transactions to application services over HTTP, one worker per application service at a time. */
package appservice.delivery.sending;
