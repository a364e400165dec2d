from django.db import models


class Rating(models.Model):
    userId = models.IntegerField()
    movieId = models.IntegerField()
    rating = models.FloatField()
    timestamp = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("timestamp", "id")
