//! Russian Post's tracking codes: the names of operation types (`OperType`) and attributes
//! (`OperAttr`), and how each pair maps to okno's normalised [`TrackingStatus`].
//!
//! The names follow Russian Post's tracking dictionary as client libraries carry it (reference
//! notes §1.8). Where the dictionary has a code we do not list, the name falls back to the
//! type's name and the status to the type's default, so an unknown attribute never fails an
//! ingestion. Final states follow the rule client libraries use to stop polling (type 2 any
//! attribute, 5/1 lost, 5/2 seized, 15, 16, 17, 18), so okno's `is_final` agrees with theirs.

use okno_model::TrackingStatus;

/// The Russian name of an operation type, if the dictionary has it.
pub fn operation_name(operation_type: u16) -> Option<&'static str> {
    Some(match operation_type {
        1 => "Прием",
        2 => "Вручение",
        3 => "Возврат",
        4 => "Досылка почты",
        5 => "Невручение",
        6 => "Хранение",
        7 => "Временное хранение",
        8 => "Обработка",
        9 => "Импорт международной почты",
        10 => "Экспорт международной почты",
        11 => "Прием на таможню",
        12 => "Неудачная попытка вручения",
        13 => "Регистрация отправки",
        14 => "Таможенное оформление",
        15 => "Передача на временное хранение",
        16 => "Уничтожение",
        17 => "Передача вложения на баланс",
        18 => "Регистрация утраты",
        19 => "Таможенные платежи поступили",
        20 => "Регистрация",
        21 => "Доставка",
        22 => "Недоставка",
        23 => "Поступление на временное хранение",
        24 => "Продление срока выпуска таможней",
        25 => "Вскрытие",
        26 => "Отмена",
        27 => "Получена электронная регистрация",
        28 => "Присвоение идентификатора",
        29 => "Регистрация прохождения в ММПО",
        30 => "Отправка SRM",
        31 => "Обработка перевозчиком",
        32 => "Поступление АПО",
        33 => "Международная обработка",
        34 => "Электронное уведомление загружено",
        35 => "Отказ в курьерской доставке",
        36 => "Уточнение вида оплаты доставки",
        37 => "Предварительное оформление",
        38 => "Задержка для уточнений у отправителя",
        39 => "Предварительное таможенное декларирование",
        40 => "Таможенный контроль",
        41 => "Обработка таможенных платежей",
        42 => "Вторая неудачная попытка вручения",
        43 => "Вручение разрешено",
        44 => "Отказ в приеме",
        51 => "Неудачная доставка в ПВЗ",
        53 => "Бронирование интервала доставки",
        54 => "Изменение интервала доставки",
        55 => "Отмена бронирования интервала доставки",
        56 => "Возврат в адресное ОПС",
        59 => "Регистрация внешнего идентификатора",
        61 => "Передано ведомственному перевозчику",
        62 => "Возвращено клиенту",
        63 => "НП оплачен",
        _ => return None,
    })
}

/// The Russian name of an attribute within its operation type, if the dictionary has it.
pub fn attribute_name(operation_type: u16, attribute: u16) -> Option<&'static str> {
    Some(match (operation_type, attribute) {
        (1, 1) => "Единичный",
        (1, 2) => "Партионный",
        (1, 3) => "Партионный электронно",
        (1, 4) => "Упрощенный предзаполненный",
        (1, 5) => "Упрощенный предоплаченный",
        (2, 1) => "Вручение адресату",
        (2, 2) => "Вручение отправителю",
        (2, 3) => "Выдано адресату через почтомат",
        (2, 4) => "Выдано отправителю через почтомат",
        (2, 5) => "Адресату электронно",
        (2, 6) => "Адресату почтальоном",
        (2, 7) => "Отправителю почтальоном",
        (2, 8) => "Адресату курьером",
        (2, 9) => "Отправителю курьером",
        (2, 10) => "Адресату с контролем ответа",
        (2, 13) => "Вручение адресату по ПЭП",
        (3, 1) => "Истек срок хранения",
        (3, 2) => "Заявление отправителя",
        (3, 3) => "Отсутствие адресата по указанному адресу",
        (3, 4) => "Отказ адресата",
        (3, 5) => "Смерть адресата",
        (3, 6) => "Невозможно прочесть адрес адресата",
        (3, 7) => "Отказ в выпуске таможней",
        (3, 9) => "Иные обстоятельства",
        (3, 10) => "Неверный адрес",
        (4, 1) => "Заявление адресата",
        (4, 2) => "Улучшенный адрес",
        (4, 3) => "Распоряжение ЭТП",
        (5, 1) => "Утрачено",
        (5, 2) => "Изъято",
        (5, 3) => "Засылка",
        (6, 1) => "До востребования",
        (6, 2) => "На абонементный ящик",
        (6, 3) => "Установленный срок хранения",
        (6, 4) => "Продление срока хранения по заявлению адресата",
        (6, 5) => "Продление срока хранения по заявлению отправителя",
        (8, 0) => "Сортировка",
        (8, 1) => "Покинуло место приема",
        (8, 2) => "Прибыло в место вручения",
        (8, 3) => "Прибыло в сортировочный центр",
        (8, 4) => "Покинуло сортировочный центр",
        (8, 5) => "Прибыло в место международного обмена",
        (8, 6) => "Покинуло место международного обмена",
        (8, 7) => "Прибыло в место транзита",
        (8, 8) => "Покинуло место транзита",
        (8, 9) => "Прибыло в почтомат",
        (8, 10) => "Истекает срок хранения в почтомате",
        (8, 11) => "Переадресовано в почтомат",
        (8, 12) => "Изъято из почтомата",
        (8, 13) => "Прибыло на территорию РФ",
        (8, 14) => "Прибыло в центр выдачи посылок",
        (8, 15) => "Передано курьеру",
        (8, 16) => "Доставлено для вручения электронно",
        (12, 1) => "Временное отсутствие адресата",
        (12, 2) => "Доставка отложена по просьбе адресата",
        (12, 3) => "Неполный адрес",
        (12, 4) => "Неправильный адрес",
        (12, 5) => "Адресат выбыл",
        (12, 6) => "Адресат отказался от отправления",
        (12, 7) => "Обстоятельства непреодолимой силы",
        (12, 8) => "Иная",
        (12, 9) => "Адресат заберет отправление сам",
        (12, 10) => "Нет адресата",
        (12, 11) => "По техническим причинам",
        (12, 12) => "Истек срок хранения в почтомате",
        _ => return None,
    })
}

/// The Russian name of a mail type code (`MailType/Id` of the tracking service).
pub fn mail_type_name(code: u16) -> Option<&'static str> {
    Some(match code {
        2 => "Письмо",
        3 => "Бандероль",
        4 => "Посылка",
        5 => "Мелкий пакет",
        6 => "Почтовая карточка",
        7 => "Отправление EMS",
        23 => "Посылка онлайн",
        24 => "Курьер онлайн",
        47 => "Посылка 1 класса",
        51 => "ЕКОМ",
        _ => return None,
    })
}

/// The Russian name of a mail category code (`MailCtg/Id` of the tracking service).
pub fn mail_category_name(code: u16) -> Option<&'static str> {
    Some(match code {
        0 => "Простое",
        1 => "Заказное",
        2 => "С объявленной ценностью",
        3 => "Обыкновенное",
        4 => "С объявленной ценностью и наложенным платежом",
        5 => "Не определена",
        6 => "С объявленной ценностью и обязательным платежом",
        7 => "С обязательным платежом",
        _ => return None,
    })
}

/// The normalised status after an operation of this type and attribute.
pub fn status_of(operation_type: u16, attribute: Option<u16>) -> TrackingStatus {
    use TrackingStatus as S;
    match (operation_type, attribute.unwrap_or(0)) {
        (1, _) => S::Accepted,
        // Handed back to the sender (at the office, through a locker, by postman or courier).
        (2, 2 | 4 | 7 | 9) => S::Returned,
        (2, _) => S::Delivered,
        (3, _) | (62, _) => S::Returning,
        (5, 1) | (18, _) => S::Lost,
        (5, 2) | (16, _) | (17, _) => S::Disposed,
        (5, 3) | (4, _) | (56, _) => S::InTransit,
        (5, _) | (12, _) | (22, _) | (35, _) | (42, _) | (44, _) | (51, _) => S::FailedAttempt,
        (6, _) | (7, _) | (23, _) | (38, _) => S::Held,
        (8, 2 | 9 | 14) | (43, _) => S::ArrivedAtDeliveryPoint,
        (8, 15) | (21, _) => S::OutForDelivery,
        (8, _) | (9, _) | (10, _) | (29, _) | (31, _) | (32, _) | (33, _) | (61, _) => S::InTransit,
        (11, _) | (14, _) | (19, _) | (24, _) | (39, _) | (40, _) | (41, _) => S::Customs,
        (13, _) | (20, _) | (27, _) | (28, _) | (37, _) | (59, _) => S::Registered,
        (15, _) => S::Unclaimed,
        _ => S::Other,
    }
}

/// Russian Post's own answer to "can polling stop after this operation?" (client libraries'
/// rule). [`status_of`] agrees with it: a status is final exactly when this holds.
pub fn is_final_operation(operation_type: u16, attribute: Option<u16>) -> bool {
    matches!(
        (operation_type, attribute),
        (2, _) | (5, Some(1 | 2)) | (15..=18, _)
    )
}

/// A one-line Russian description. For processing (8) and delivery (2) the attribute says it
/// all ("Прибыло в место вручения"); for other types it qualifies the type ("Прием:
/// Единичный"); an unknown attribute falls back to the type's name.
pub fn describe(operation_type: u16, attribute: Option<u16>) -> String {
    let kind = operation_name(operation_type);
    let detail = attribute.and_then(|attr| attribute_name(operation_type, attr));
    match (kind, detail) {
        (_, Some(detail)) if matches!(operation_type, 2 | 8) => detail.to_owned(),
        (Some(kind), Some(detail)) => format!("{kind}: {detail}"),
        (Some(kind), None) => kind.to_owned(),
        (None, _) => format!("Операция {operation_type}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_and_the_libraries_final_rule_agree_on_every_code() {
        for operation_type in 0..=100u16 {
            for attribute in std::iter::once(None).chain((0..=30).map(Some)) {
                assert_eq!(
                    status_of(operation_type, attribute).is_final(),
                    is_final_operation(operation_type, attribute),
                    "{operation_type}/{attribute:?}"
                );
            }
        }
    }

    #[test]
    fn the_sample_history_reads_as_the_post_names_it() {
        assert_eq!(status_of(1, Some(1)), TrackingStatus::Accepted);
        assert_eq!(status_of(8, Some(3)), TrackingStatus::InTransit);
        assert_eq!(
            status_of(8, Some(2)),
            TrackingStatus::ArrivedAtDeliveryPoint
        );
        assert_eq!(status_of(2, Some(1)), TrackingStatus::Delivered);
        assert_eq!(status_of(2, Some(2)), TrackingStatus::Returned);
        assert_eq!(status_of(12, Some(1)), TrackingStatus::FailedAttempt);
        assert_eq!(describe(8, Some(4)), "Покинуло сортировочный центр");
        assert_eq!(describe(1, Some(1)), "Прием: Единичный");
        assert_eq!(
            describe(12, Some(1)),
            "Неудачная попытка вручения: Временное отсутствие адресата"
        );
        assert_eq!(describe(8, Some(99)), "Обработка");
        assert_eq!(describe(99, None), "Операция 99");
    }
}
