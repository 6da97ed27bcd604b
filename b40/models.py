from django.db import models


class RegistryVersion(models.Model):
    """The one row whose number rises with every write to the registry's tables.

    Database triggers (see b40.page_cache) bump it for any insert, update,
    delete or truncate, however the write is made, so cached public pages keyed
    on it can never outlive an edit.
    """

    number = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1), name="b40_registryversion_one_row"
            )
        ]

    def __str__(self):
        return str(self.number)
