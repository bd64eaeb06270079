//! Handlers, one module per resource, one function per verb.
//!
//! [`for_each_route!`] is the one list of operations: `http::configure` registers it with actix
//! and `http::openapi` documents it, so a handler is served exactly when it is documented.

pub mod audit;
pub mod auth;
pub mod award;
pub mod award_notices;
pub mod bids;
pub mod clarifications;
pub mod draws;
pub mod evaluation;
pub mod experts;
pub mod health;
pub mod motions;
pub mod opening;
pub mod organisations;
pub mod people;
pub mod sandbox;
pub mod tenders;

/// Calls `$then! { module::handler, … }` with every operation of the API, in the order the
/// OpenAPI document lists them. Add a new handler here and nowhere else.
macro_rules! for_each_route {
    ($then:ident) => {
        $then! {
            health::healthz,
            health::readyz,
            health::server_time,
            auth::create_challenge,
            auth::create_token,
            auth::delete_session,
            auth::me,
            organisations::register,
            organisations::list,
            organisations::get,
            organisations::attach_staff,
            organisations::accept_staff,
            organisations::detach_staff,
            organisations::grant_role,
            organisations::revoke_role,
            organisations::entrust,
            organisations::revoke_entrustment,
            people::register,
            people::list,
            people::grant_role,
            people::revoke_role,
            sandbox::get_clock,
            sandbox::adjust_clock,
            tenders::create,
            tenders::list,
            tenders::get,
            tenders::update,
            tenders::notice,
            tenders::publish,
            tenders::amend,
            tenders::versions,
            tenders::upload,
            tenders::documents,
            tenders::download,
            tenders::downloads,
            tenders::ask,
            tenders::questions,
            tenders::answer,
            tenders::raise_objection,
            tenders::objections,
            tenders::answer_objection,
            tenders::act,
            tenders::announcements,
            tenders::ocds,
            audit::public_key,
            audit::checkpoint,
            audit::entry,
            audit::inclusion,
            audit::consistency,
            audit::trail,
            audit::export,
            audit::receipt,
            audit::register_witness,
            audit::witnesses,
            audit::add_cosignature,
            bids::my_bonds,
            bids::my_bond_account,
            bids::bank_bond_arrival,
            bids::my_bid,
            bids::open_upload,
            bids::upload_status,
            bids::put_part,
            bids::submit,
            bids::abandon,
            bids::receipt,
            bids::withdraw,
            bids::confirm,
            bids::put_envelope_key,
            bids::get_envelope_key,
            opening::view,
            opening::decrypt,
            opening::my_share,
            opening::release_share,
            opening::respond,
            opening::answer,
            experts::specialties,
            experts::admit,
            experts::list,
            experts::get,
            experts::set_status,
            experts::my_records,
            experts::update_my_profile,
            experts::add_award_pool_member,
            experts::award_pool,
            experts::departments,
            experts::put_department,
            draws::request_draw,
            draws::get_draw,
            draws::list_tender_draws,
            draws::contribute,
            draws::my_seats,
            draws::answer_draw,
            draws::check_in,
            draws::get_committee,
            evaluation::read_bid_part,
            evaluation::form_committee,
            evaluation::get_committee,
            evaluation::vote_leader,
            evaluation::leave_committee,
            clarifications::ask,
            clarifications::list,
            clarifications::answer,
            clarifications::decide,
            motions::propose,
            motions::list,
            motions::vote,
            evaluation::generate_report,
            evaluation::get_report,
            evaluation::sign_report,
            evaluation::ask_more_time,
            evaluation::extend_time,
            evaluation::replace_representative,
            evaluation::submit_sheet,
            evaluation::my_sheets,
            evaluation::stage_sheets,
            evaluation::deviation_flags,
            evaluation::file_deviation_reason,
            evaluation::collusion_signals,
            award::get_award,
            award_notices::notice_drafts,
            award_notices::issue_notices,
            award_notices::notices,
            award_notices::notice,
            award_notices::written_report,
            award_notices::file_written_report,
            award_notices::overdue_written_reports,
        }
    };
}
pub(crate) use for_each_route;
