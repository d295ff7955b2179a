/** The persisted state of delivery: pending events, transactions cut from them, and each application service's state. */
package appservice.delivery.transactions;
