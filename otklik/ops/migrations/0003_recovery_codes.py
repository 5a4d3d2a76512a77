# TOTP recovery codes and their audit kinds.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0002_stored_file"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("login", "Вход"),
                    ("login_failed", "Неудачный вход"),
                    ("login_locked", "Учётная запись заблокирована"),
                    ("login_throttled", "Слишком много попыток с адреса"),
                    ("logout", "Выход"),
                    ("session_expired", "Сеанс истёк"),
                    ("totp_enabled", "Включена двухфакторная аутентификация"),
                    ("totp_disabled", "Отключена двухфакторная аутентификация"),
                    ("totp_failed", "Неверный одноразовый код"),
                    ("totp_recovery_used", "Вход по резервному коду"),
                    ("totp_recovery_new", "Сформированы резервные коды"),
                    ("membership_added", "Назначена роль"),
                    ("membership_changed", "Изменена роль"),
                    ("membership_removed", "Снята роль"),
                    ("user_flags_changed", "Изменены права пользователя"),
                    ("user_perms_changed", "Изменены группы или разрешения"),
                    ("unlocked", "Учётная запись разблокирована"),
                    ("pd_export", "Выгрузка персональных данных"),
                    ("pd_erasure", "Удаление персональных данных"),
                    ("retention", "Обезличивание по сроку хранения"),
                    ("keys_rotated", "Перешифрование секретов"),
                    ("backup", "Резервная копия"),
                    ("restore", "Восстановление из копии"),
                ],
                max_length=32,
                verbose_name="событие",
            ),
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code_hash", models.CharField(max_length=128)),
                ("created_at", models.DateTimeField()),
                ("used_at", models.DateTimeField(blank=True, null=True)),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="recovery_codes", to="ops.totpdevice"
                    ),
                ),
            ],
            options={
                "verbose_name": "резервный код",
                "verbose_name_plural": "резервные коды",
            },
        ),
    ]
