/** The operators' view and controls: the admin API under {@code /api} and the status page. */
package appservice.delivery.admin;
