//! An order's message thread.

use super::*;

pub async fn post_message(
    db: &DatabaseConnection,
    clock: &Clock,
    viewer: &Viewer,
    id: Uuid,
    body: &str,
) -> Result<(), ServiceError> {
    let loaded = load(db, id).await?.ok_or(ServiceError::NotFound)?;
    if !loaded.may_see(viewer) {
        return Err(ServiceError::NotFound);
    }
    let body = parse_text(body, MESSAGE_MAX, true).map_err(|p| one("body", p))?;
    order_messages::Entity::insert(order_messages::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(id),
        author_id: Set(viewer.id),
        body: Set(body),
        created_at: Set(clock.now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
